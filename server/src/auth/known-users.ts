import type { Queryable } from '../db/db';
import type { Principal } from './principal';
import { TokenError } from './tokens';

interface UserRow {
  trust_id: string;
  disabled: boolean;
}

/**
 * Checks that a verified principal is a user this server knows, in the trust the token names, and
 * not disabled. With `provision` (an external identity provider), a first-time user is created
 * from the token's claims, provided their trust (and team, if any) is set up here.
 */
export async function ensureKnownUser(db: Queryable, p: Principal, options: { provision: boolean }): Promise<void> {
  let [user] = await db.query<UserRow>('SELECT trust_id, disabled FROM app_user WHERE id = $1', [p.userId]);
  if (!user) {
    if (!options.provision) throw new TokenError('invalid', 'This account is not known to the server: sign in again.');
    user = await provision(db, p);
  }
  if (user.trust_id !== p.trustId) {
    throw new TokenError('forbidden', 'Your account is registered to a different trust on this server. Ask your trust’s administrator.');
  }
  if (user.disabled) throw new TokenError('forbidden', 'Your Crisis Desk account is disabled. Ask your trust’s administrator.');
}

async function provision(db: Queryable, p: Principal): Promise<UserRow> {
  const [trust] = await db.query('SELECT 1 FROM trust WHERE id = $1', [p.trustId]);
  if (!trust) {
    throw new TokenError('forbidden', `Your trust (${p.trustId}) is not set up on this Crisis Desk server. Ask the server’s administrator to add it.`);
  }
  if (p.teamId !== null) {
    const [team] = await db.query('SELECT 1 FROM team WHERE id = $1 AND trust_id = $2', [p.teamId, p.trustId]);
    if (!team) throw new TokenError('forbidden', `Your team (${p.teamId}) is not set up for your trust on this Crisis Desk server. Ask your trust’s administrator.`);
  }
  // Two first requests may race: the loser's insert does nothing and both read the same row.
  await db.query('INSERT INTO app_user (id, trust_id, team_id, display_name, roles) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING', [
    p.userId,
    p.trustId,
    p.teamId,
    p.displayName,
    p.roles,
  ]);
  const [user] = await db.query<UserRow>('SELECT trust_id, disabled FROM app_user WHERE id = $1', [p.userId]);
  return user!;
}
