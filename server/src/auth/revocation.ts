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

/** Serialises changes to one sign-in's tokens until the transaction ends (see refreshTokenGrant). */
export async function lockFamily(tx: Queryable, familyId: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(7303, hashtext($1))', [familyId]);
}

/** Remembers which sign-in an access token belongs to, so that ending the sign-in ends it too. */
export async function recordIssuedAccessToken(db: Queryable, jti: string, familyId: string, expiresAt: Date): Promise<void> {
  await db.query('INSERT INTO issued_access_token (jti, family_id, expires_at) VALUES ($1, $2, $3)', [jti, familyId, expiresAt.toISOString()]);
}

/**
 * Ends a sign-in: every refresh token of it (one authorization and all its rotations) and every
 * access token it was given that could still be used.
 */
export async function revokeRefreshFamily(db: Queryable, familyId: string): Promise<void> {
  await db.query('UPDATE refresh_token SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [familyId]);
  await db.query(
    `INSERT INTO revoked_access_token (jti, expires_at)
     SELECT jti, expires_at + make_interval(secs => $2) FROM issued_access_token WHERE family_id = $1 AND expires_at > now() - make_interval(secs => $2)
     ON CONFLICT (jti) DO NOTHING`,
    [familyId, EXPIRY_MARGIN_MS / 1000],
  );
}

/**
 * Drops what can no longer matter: revocations of tokens that have expired anyway, codes long past
 * their minute, refresh tokens a day past expiry (kept that long so late reuse is still seen), the
 * record of expired access tokens, and sign-in counts that ran out.
 */
export async function purgeExpiredAuthState(db: Queryable): Promise<void> {
  await db.query('DELETE FROM revoked_access_token WHERE expires_at < now()');
  await db.query("DELETE FROM oidc_code WHERE expires_at < now() - interval '1 hour'");
  await db.query("DELETE FROM refresh_token WHERE expires_at < now() - interval '1 day'");
  await db.query('DELETE FROM issued_access_token WHERE expires_at < now() - make_interval(secs => $1)', [EXPIRY_MARGIN_MS / 1000]);
  // Sign-in counts that ran out an hour ago (their expiry is in epoch milliseconds).
  await db.query('DELETE FROM sign_in_limit WHERE expire < (extract(epoch FROM now()) * 1000)::bigint - 3600000');
}
