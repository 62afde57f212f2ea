import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { ROLES, type Principal, type Role } from './principal';

/** Claims we read from an access token (names configurable for an external identity provider). */
export interface ClaimNames {
  trust: string;
  team: string;
  roles: string;
  name: string;
}

export const DEFAULT_CLAIMS: ClaimNames = { trust: 'trust_id', team: 'team_id', roles: 'roles', name: 'name' };

export class TokenError extends Error {
  constructor(
    readonly reason: 'missing' | 'expired' | 'invalid' | 'revoked' | 'forbidden',
    message: string,
  ) {
    super(message);
  }
}

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** A JWKS URL (an external OIDC provider) or a key set held in memory (the built-in provider). */
  jwks: URL | { keys: JWK[] };
  claims?: ClaimNames;
  isRevoked?: (jti: string) => Promise<boolean>;
}

/** Verifies bearer tokens against an OIDC issuer's keys and turns them into a Principal. */
export function createTokenVerifier(opts: TokenVerifierOptions): (token: string) => Promise<Principal> {
  const keys = opts.jwks instanceof URL ? createRemoteJWKSet(opts.jwks) : createLocalJWKSet(opts.jwks);
  const claims = opts.claims ?? DEFAULT_CLAIMS;
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, { issuer: opts.issuer, audience: opts.audience, clockTolerance: 30 }));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED') throw new TokenError('expired', 'Your session has expired: sign in again.');
      throw new TokenError('invalid', 'The access token is not valid: sign in again.');
    }
    if (payload.jti && (await opts.isRevoked?.(payload.jti))) throw new TokenError('revoked', 'This session was signed out: sign in again.');
    const trustId = payload[claims.trust];
    const roles = payload[claims.roles];
    if (typeof payload.sub !== 'string' || typeof trustId !== 'string' || !Array.isArray(roles)) {
      throw new TokenError('invalid', 'The access token does not say who you are or which trust you work for.');
    }
    const known = roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r as string));
    if (known.length === 0) throw new TokenError('forbidden', 'Your account has no Crisis Desk role. Ask your trust’s administrator.');
    const team = payload[claims.team];
    const name = payload[claims.name];
    return {
      userId: payload.sub,
      trustId,
      teamId: typeof team === 'string' ? team : null,
      roles: known,
      displayName: typeof name === 'string' ? name : payload.sub,
      jti: payload.jti ?? null,
    };
  };
}

/** A signing key with its public half as a JWKS entry. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function generateSigningKey(): Promise<SigningKey & { privateJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  return {
    kid,
    privateKey,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
  };
}

/** Signs an access token for a principal (the built-in identity provider, and tests). */
export function signAccessToken(
  key: SigningKey,
  p: Omit<Principal, 'jti'>,
  opts: { issuer: string; audience: string; ttlSeconds: number; clientId?: string; claims?: ClaimNames },
): Promise<string> {
  const claims = opts.claims ?? DEFAULT_CLAIMS;
  return new SignJWT({ [claims.trust]: p.trustId, [claims.team]: p.teamId, [claims.roles]: p.roles, [claims.name]: p.displayName, ...(opts.clientId ? { client_id: opts.clientId } : {}) })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
    .setSubject(p.userId)
    .setIssuer(opts.issuer)
    .setAudience(opts.audience)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(`${opts.ttlSeconds}s`)
    .sign(key.privateKey);
}
