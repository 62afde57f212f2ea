import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, errors, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
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

/** The issuer's keys could not be fetched: the token may be fine, so this is not the caller's fault. */
export class KeySetUnavailableError extends Error {}

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** A JWKS URL (an external OIDC provider) or a key set held in memory (the built-in provider). */
  jwks: URL | { keys: JWK[] };
  claims?: ClaimNames;
  /** The provider's role values as ours; values not in the map are read as named. */
  roleMap?: Readonly<Record<string, Role>>;
  /** The JOSE `typ` header the tokens must carry (the built-in provider's are `at+jwt`). */
  typ?: string;
  isRevoked?: (jti: string) => Promise<boolean>;
}

/** Verifies bearer tokens against an OIDC issuer's keys and turns them into a Principal. */
export function createTokenVerifier(opts: TokenVerifierOptions): (token: string) => Promise<Principal> {
  const keys = opts.jwks instanceof URL ? createRemoteJWKSet(opts.jwks) : createLocalJWKSet(opts.jwks);
  const claims = opts.claims ?? DEFAULT_CLAIMS;
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, { issuer: opts.issuer, audience: opts.audience, clockTolerance: 30, ...(opts.typ ? { typ: opts.typ } : {}) }));
    } catch (e) {
      if (opts.jwks instanceof URL && isKeySetFailure(e)) throw new KeySetUnavailableError('The identity provider’s signing keys could not be fetched.', { cause: e });
      const code = (e as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED') throw new TokenError('expired', 'Your session has expired: sign in again.');
      throw new TokenError('invalid', 'The access token is not valid: sign in again.');
    }
    if (payload.jti && (await opts.isRevoked?.(payload.jti))) throw new TokenError('revoked', 'This session was signed out: sign in again.');
    const trustId = readClaim(payload, claims.trust);
    const roles = readRoles(readClaim(payload, claims.roles), opts.roleMap);
    if (typeof payload.sub !== 'string' || typeof trustId !== 'string' || roles === null) {
      throw new TokenError('invalid', 'The access token does not say who you are or which trust you work for.');
    }
    if (roles.length === 0) throw new TokenError('forbidden', 'Your account has no Crisis Desk role. Ask your trust’s administrator.');
    const team = readClaim(payload, claims.team);
    const name = readClaim(payload, claims.name);
    return {
      userId: payload.sub,
      trustId,
      teamId: typeof team === 'string' ? team : null,
      roles,
      displayName: typeof name === 'string' ? name : payload.sub,
      jti: payload.jti ?? null,
    };
  };
}

/** A claim by name; dots reach into nested objects (`realm_access.roles`). */
function readClaim(payload: JWTPayload, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Our roles in a roles claim (an array, or a space-separated string); null when there is no such claim. */
function readRoles(claim: unknown, roleMap: Readonly<Record<string, Role>> = {}): Role[] | null {
  const values = typeof claim === 'string' ? claim.split(' ') : Array.isArray(claim) ? claim : null;
  if (values === null) return null;
  const roles = new Set<Role>();
  for (const v of values) {
    if (typeof v !== 'string') continue;
    const role = Object.hasOwn(roleMap, v) ? roleMap[v] : v;
    if ((ROLES as readonly string[]).includes(role as string)) roles.add(role as Role);
  }
  return [...roles];
}

/** jose's errors when fetching a remote key set (as opposed to errors about the token itself). */
function isKeySetFailure(e: unknown): boolean {
  if (!(e instanceof errors.JOSEError)) return true;
  return e.code === 'ERR_JWKS_TIMEOUT' || e.code === 'ERR_JWKS_INVALID' || e.code === 'ERR_JOSE_GENERIC';
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
