import { createLocalJWKSet, jwtVerify } from 'jose';
import type { Db } from '../../db/db';
import { lockFamily, revokeAccessToken, revokeRefreshFamily } from '../revocation';
import type { IssuerContext } from './issue-tokens';
import { OAuthError } from './oauth-errors';
import { hashSecret } from './secrets';

const notYours = () => new OAuthError(400, 'unauthorized_client', 'This token was issued to another client.');

/**
 * RFC 7009 revocation. A refresh token ends its whole sign-in (every rotation, and the access tokens
 * it was given); an access token
 * (a JWT, told apart by its shape) is revoked by its jti until it expires. Tokens that are not
 * valid, unknown or already expired need no revoking: the answer is the same success.
 */
export async function revokeToken(db: Db, ctx: IssuerContext, body: { token: string; clientId: string }): Promise<void> {
  if (body.token.includes('.')) await revokeAccess(db, ctx, body);
  else await revokeRefresh(db, body);
}

async function revokeRefresh(db: Db, body: { token: string; clientId: string }) {
  const [row] = await db.query<{ family_id: string; client_id: string }>('SELECT family_id, client_id FROM refresh_token WHERE token_hash = $1', [hashSecret(body.token)]);
  if (!row) return;
  if (row.client_id !== body.clientId) throw notYours();
  await db.transaction(async (tx) => {
    await lockFamily(tx, row.family_id);
    await revokeRefreshFamily(tx, row.family_id);
  });
}

async function revokeAccess(db: Db, ctx: IssuerContext, body: { token: string; clientId: string }) {
  let payload;
  try {
    ({ payload } = await jwtVerify(body.token, createLocalJWKSet({ keys: ctx.keys.publicJwks }), { issuer: ctx.issuer, audience: ctx.config.OIDC_AUDIENCE, typ: 'at+jwt' }));
  } catch {
    return;
  }
  if (payload.client_id !== body.clientId) throw notYours();
  if (payload.jti && payload.exp) await revokeAccessToken(db, payload.jti, new Date(payload.exp * 1000));
}
