import type { Queryable } from '../db/db';

/** True when the access token with this id was revoked before it expired. */
export async function isAccessTokenRevoked(db: Queryable, jti: string): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM revoked_access_token WHERE jti = $1 AND expires_at > now()', [jti]);
  return rows.length > 0;
}

/** Longer than the verifier's clock tolerance, during which an expired token still verifies. */
const EXPIRY_MARGIN_MS = 2 * 60_000;

/** Revokes an access token by id until it would have expired anyway. */
export async function revokeAccessToken(db: Queryable, jti: string, expiresAt: Date): Promise<void> {
  const until = new Date(expiresAt.getTime() + EXPIRY_MARGIN_MS).toISOString();
  await db.query('INSERT INTO revoked_access_token (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING', [jti, until]);
}

/** Revokes every refresh token of a sign-in (one authorization and all its rotations). */
export async function revokeRefreshFamily(db: Queryable, familyId: string): Promise<void> {
  await db.query('UPDATE refresh_token SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [familyId]);
}

/**
 * Drops what can no longer matter: revocations of tokens that have expired anyway, codes long past
 * their minute, and refresh tokens a day past expiry (kept that long so late reuse is still seen).
 */
export async function purgeExpiredAuthState(db: Queryable): Promise<void> {
  await db.query('DELETE FROM revoked_access_token WHERE expires_at < now()');
  await db.query("DELETE FROM oidc_code WHERE expires_at < now() - interval '1 hour'");
  await db.query("DELETE FROM refresh_token WHERE expires_at < now() - interval '1 day'");
}
