import type { Db } from '../../db/db';
import { lockFamily, revokeRefreshFamily } from '../revocation';
import { familyIdOf, redeemCode } from './codes';
import { findUser, issueTokens, type IssuerContext, type TokenSet } from './issue-tokens';
import { OAuthError } from './oauth-errors';
import { verifierMatches } from './pkce';
import { hashSecret } from './secrets';

const invalidGrant = (message: string) => new OAuthError(400, 'invalid_grant', message);

/** authorization_code: a code, redeemed once, by the client it was issued to, with the PKCE verifier. */
export async function authorizationCodeGrant(
  db: Db,
  ctx: IssuerContext,
  body: { code: string; redirectUri: string | undefined; clientId: string; codeVerifier: string | undefined },
): Promise<TokenSet> {
  const code = await redeemCode(db, body.code);
  if (code === 'spent') {
    // A code presented twice may have been stolen: end whatever sign-in it started (RFC 6749 §4.1.2),
    // its access tokens included.
    const familyId = familyIdOf(hashSecret(body.code));
    await db.transaction(async (tx) => {
      await lockFamily(tx, familyId);
      await revokeRefreshFamily(tx, familyId);
    });
    throw invalidGrant('This authorization code was already used. Sign in again.');
  }
  if (code === 'unknown') throw invalidGrant('This authorization code is not valid. Sign in again.');
  if (!code.live) throw invalidGrant('This authorization code has expired. Sign in again.');
  if (code.clientId !== body.clientId) throw invalidGrant('This authorization code was issued to another client.');
  if (code.redirectUri !== body.redirectUri) throw invalidGrant('redirect_uri does not match the one in the authorization request.');
  if (!body.codeVerifier || !verifierMatches(body.codeVerifier, code.codeChallenge)) throw invalidGrant('code_verifier does not match the code challenge.');
  const user = await findUser(db, code.userId);
  if (!user || user.disabled) throw invalidGrant('This account cannot sign in.');
  return db.transaction(async (tx) => {
    await lockFamily(tx, code.familyId);
    return issueTokens(tx, ctx, { user, clientId: code.clientId, scope: code.scope, familyId: code.familyId, idToken: { nonce: code.nonce } });
  });
}

type Outcome = { ok: true; tokens: TokenSet } | { ok: false; message: string };

/**
 * refresh_token with rotation: each refresh token works once and is replaced by a new one. A spent
 * token presented again means two parties hold the family, so the whole family is revoked, with
 * every access token it was given.
 */
export async function refreshTokenGrant(db: Db, ctx: IssuerContext, body: { refreshToken: string; clientId: string }): Promise<TokenSet> {
  // The revocation on reuse must commit, so failures are returned from the transaction, not thrown.
  const outcome = await db.transaction<Outcome>(async (tx) => {
    // The family is locked before any of its rows: a rotation and a reuse of the same family then
    // run one after the other, so the revocation sees the tokens the rotation issued (under READ
    // COMMITTED a revocation racing a rotation would otherwise miss them).
    const [family] = await tx.query<{ family_id: string }>('SELECT family_id FROM refresh_token WHERE token_hash = $1', [hashSecret(body.refreshToken)]);
    if (family) await lockFamily(tx, family.family_id);
    const [row] = await tx.query<{ family_id: string; user_id: string; client_id: string; scope: string; spent: boolean; live: boolean }>(
      `SELECT family_id, user_id, client_id, scope, (rotated_at IS NOT NULL OR revoked_at IS NOT NULL) AS spent, expires_at > now() AS live
       FROM refresh_token WHERE token_hash = $1 FOR UPDATE`,
      [hashSecret(body.refreshToken)],
    );
    if (!row || row.client_id !== body.clientId) return { ok: false, message: 'This refresh token is not valid. Sign in again.' };
    if (row.spent) {
      await revokeRefreshFamily(tx, row.family_id);
      return { ok: false, message: 'This refresh token was already used or revoked; the session has been ended for safety. Sign in again.' };
    }
    if (!row.live) return { ok: false, message: 'This session has expired. Sign in again.' };
    const user = await findUser(tx, row.user_id);
    if (!user || user.disabled) return { ok: false, message: 'This account cannot sign in.' };
    await tx.query('UPDATE refresh_token SET rotated_at = now() WHERE token_hash = $1', [hashSecret(body.refreshToken)]);
    return { ok: true, tokens: await issueTokens(tx, ctx, { user, clientId: row.client_id, scope: row.scope, familyId: row.family_id, idToken: null }) };
  });
  if (!outcome.ok) throw invalidGrant(outcome.message);
  return outcome.tokens;
}
