import { decodeJwt, SignJWT } from 'jose';
import type { ServerConfig } from '../../config';
import type { Queryable } from '../../db/db';
import type { Principal, Role } from '../principal';
import { recordIssuedAccessToken } from '../revocation';
import type { SigningKeys } from '../signing-keys';
import { signAccessToken } from '../tokens';
import { hashSecret, newSecret } from './secrets';

export interface TokenSet {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
  id_token?: string;
}

export interface IssuerContext {
  keys: SigningKeys;
  issuer: string;
  config: ServerConfig;
}

export interface UserRow {
  id: string;
  trust_id: string;
  team_id: string | null;
  display_name: string;
  roles: Role[];
  disabled: boolean;
}

export async function findUser(db: Queryable, userId: string): Promise<UserRow | null> {
  const [user] = await db.query<UserRow>('SELECT id, trust_id, team_id, display_name, roles, disabled FROM app_user WHERE id = $1', [userId]);
  return user ?? null;
}

/**
 * An access token, a new refresh token in the sign-in's family (stored hashed) and, for the code
 * grant of an OpenID request, an ID token carrying the nonce.
 */
export async function issueTokens(
  tx: Queryable,
  ctx: IssuerContext,
  grant: { user: UserRow; clientId: string; scope: string; familyId: string; idToken: { nonce: string | null } | null },
): Promise<TokenSet> {
  const { user, clientId, scope } = grant;
  const principal: Omit<Principal, 'jti'> = { userId: user.id, trustId: user.trust_id, teamId: user.team_id, roles: user.roles, displayName: user.display_name };
  const ttlSeconds = ctx.config.ACCESS_TOKEN_TTL_SECONDS;
  const accessToken = await signAccessToken(ctx.keys.active, principal, { issuer: ctx.issuer, audience: ctx.config.OIDC_AUDIENCE, ttlSeconds, clientId });
  const { jti, exp } = decodeJwt(accessToken);
  await recordIssuedAccessToken(tx, jti!, grant.familyId, new Date(exp! * 1000));

  const refreshToken = newSecret();
  await tx.query(
    `INSERT INTO refresh_token (token_hash, family_id, user_id, client_id, scope, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6))`,
    [hashSecret(refreshToken), grant.familyId, user.id, clientId, scope, ctx.config.REFRESH_TOKEN_TTL_DAYS],
  );

  const tokens: TokenSet = { access_token: accessToken, token_type: 'Bearer', expires_in: ttlSeconds, refresh_token: refreshToken, scope };
  if (grant.idToken && scope.split(' ').includes('openid')) {
    tokens.id_token = await new SignJWT({ name: user.display_name, ...(grant.idToken.nonce ? { nonce: grant.idToken.nonce } : {}) })
      .setProtectedHeader({ alg: 'ES256', kid: ctx.keys.active.kid, typ: 'JWT' })
      .setIssuer(ctx.issuer)
      .setSubject(user.id)
      .setAudience(clientId)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(ctx.keys.active.privateKey);
  }
  return tokens;
}
