import type { Role } from '../auth/principal';
import { hashPassword } from '../auth/passwords';
import type { Db } from '../db/db';

/*
 * The demo's people and organisations (DEMO=1). Every name is invented: no real trust, team or
 * person is meant. They sign in through the built-in identity provider.
 */

export const DEMO_PASSWORD = 'demo-password';

export const DEMO_TRUSTS = [
  {
    id: 'demo-south',
    name: 'Southvale and Riverside Mental Health Trust (fictional)',
    teams: [
      { id: 'demo-south-day', name: 'Southvale crisis line, day team' },
      { id: 'demo-south-night', name: 'Southvale crisis line, night team' },
    ],
  },
  {
    id: 'demo-north',
    name: 'Northmoor Fells Mental Health Trust (fictional)',
    teams: [
      { id: 'demo-north-day', name: 'Northmoor crisis line, day team' },
      { id: 'demo-north-night', name: 'Northmoor crisis line, night team' },
    ],
  },
] as const;

export interface DemoUser {
  username: string;
  displayName: string;
  trustId: string;
  teamId: string | null;
  roles: Role[];
}

/** Per trust: a clinician and a team lead (who also takes calls) in each team, and an administrator. */
export const DEMO_USERS: readonly DemoUser[] = [
  { username: 'clinician.south', displayName: 'Demo Clinician (Southvale day)', trustId: 'demo-south', teamId: 'demo-south-day', roles: ['clinician'] },
  { username: 'clinician2.south', displayName: 'Demo Clinician (Southvale night)', trustId: 'demo-south', teamId: 'demo-south-night', roles: ['clinician'] },
  { username: 'lead.south', displayName: 'Demo Team Lead (Southvale day)', trustId: 'demo-south', teamId: 'demo-south-day', roles: ['clinician', 'team_lead'] },
  { username: 'lead2.south', displayName: 'Demo Team Lead (Southvale night)', trustId: 'demo-south', teamId: 'demo-south-night', roles: ['clinician', 'team_lead'] },
  { username: 'admin.south', displayName: 'Demo Administrator (Southvale)', trustId: 'demo-south', teamId: null, roles: ['admin'] },
  { username: 'clinician.north', displayName: 'Demo Clinician (Northmoor day)', trustId: 'demo-north', teamId: 'demo-north-day', roles: ['clinician'] },
  { username: 'clinician2.north', displayName: 'Demo Clinician (Northmoor night)', trustId: 'demo-north', teamId: 'demo-north-night', roles: ['clinician'] },
  { username: 'lead.north', displayName: 'Demo Team Lead (Northmoor day)', trustId: 'demo-north', teamId: 'demo-north-day', roles: ['clinician', 'team_lead'] },
  { username: 'lead2.north', displayName: 'Demo Team Lead (Northmoor night)', trustId: 'demo-north', teamId: 'demo-north-night', roles: ['clinician', 'team_lead'] },
  { username: 'admin.north', displayName: 'Demo Administrator (Northmoor)', trustId: 'demo-north', teamId: null, roles: ['admin'] },
];

/**
 * Creates the demo trusts, teams and users where they are missing; leaves existing rows (and any
 * password changed since) alone, so it runs on every start.
 */
export async function seedDemoUsers(db: Db): Promise<{ created: string[] }> {
  const existing = new Set((await db.query<{ id: string }>('SELECT id FROM app_user WHERE id = ANY($1)', [DEMO_USERS.map((u) => u.username)])).map((r) => r.id));
  const missing = DEMO_USERS.filter((u) => !existing.has(u.username));
  // Hashing is slow by design: do it before the transaction, for the missing users only.
  const hashes = await Promise.all(missing.map(() => hashPassword(DEMO_PASSWORD)));
  await db.transaction(async (tx) => {
    for (const trust of DEMO_TRUSTS) {
      await tx.query('INSERT INTO trust (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [trust.id, trust.name]);
      for (const team of trust.teams) await tx.query('INSERT INTO team (id, trust_id, name) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [team.id, trust.id, team.name]);
    }
    for (const [i, u] of missing.entries()) {
      await tx.query(
        'INSERT INTO app_user (id, trust_id, team_id, display_name, roles, password_hash) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING',
        [u.username, u.trustId, u.teamId, u.displayName, u.roles, hashes[i]],
      );
    }
  });
  return { created: missing.map((u) => u.username) };
}
