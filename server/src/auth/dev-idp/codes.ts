import { createHash } from 'node:crypto';
import type { Queryable } from '../../db/db';
import type { AuthorizationRequest } from './authorization-request';
import { hashSecret, newSecret } from './secrets';

/** How long a code may wait for its exchange: the client does that at once. */
export const CODE_TTL_SECONDS = 60;

/** Issues a one-time code for the user, bound to the client, redirect URI, PKCE challenge, scope and nonce. */
export async function issueCode(db: Queryable, userId: string, request: AuthorizationRequest): Promise<string> {
  const code = newSecret();
  await db.query(
    `INSERT INTO oidc_code (code_hash, user_id, client_id, redirect_uri, code_challenge, scope, nonce, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))`,
    [hashSecret(code), userId, request.client.clientId, request.redirectUri, request.codeChallenge, request.scope, request.nonce, CODE_TTL_SECONDS],
  );
  return code;
}

export interface RedeemedCode {
  userId: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string;
  nonce: string | null;
  live: boolean;
  /** The refresh-token family this code starts, so a replayed code can end it. */
  familyId: string;
}

/**
 * Spends a code: marks it used in the same statement that reads it, so it can be redeemed once,
 * whatever the checks that follow decide. 'spent' when it was redeemed before.
 */
export async function redeemCode(db: Queryable, code: string): Promise<RedeemedCode | 'unknown' | 'spent'> {
  const codeHash = hashSecret(code);
  const [row] = await db.query<{ user_id: string; client_id: string; redirect_uri: string; code_challenge: string; scope: string; nonce: string | null; live: boolean }>(
    `UPDATE oidc_code SET used_at = now() WHERE code_hash = $1 AND used_at IS NULL
     RETURNING user_id, client_id, redirect_uri, code_challenge, scope, nonce, expires_at > now() AS live`,
    [codeHash],
  );
  if (!row) {
    const [spent] = await db.query('SELECT 1 FROM oidc_code WHERE code_hash = $1', [codeHash]);
    return spent ? 'spent' : 'unknown';
  }
  return {
    userId: row.user_id,
    clientId: row.client_id,
    redirectUri: row.redirect_uri,
    codeChallenge: row.code_challenge,
    scope: row.scope,
    nonce: row.nonce,
    live: row.live,
    familyId: familyIdOf(codeHash),
  };
}

/** The family id of the refresh tokens a code started, derived from the code so no link needs storing. */
export function familyIdOf(codeHash: string): string {
  const h = createHash('sha256').update(`refresh-family:${codeHash}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
