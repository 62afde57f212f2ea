import { randomBytes } from 'node:crypto';
import { buildServer, type App, type RouteModule, type ServerDeps } from '../../server/src/app';
import type { Principal, Role } from '../../server/src/auth/principal';
import { createTokenVerifier, generateSigningKey, signAccessToken } from '../../server/src/auth/tokens';
import { loadConfig } from '../../server/src/config';
import type { Db } from '../../server/src/db/db';
import { createLocalHintBus } from '../../server/src/hints/local-hint-bus';

export const TEST_ISSUER = 'http://issuer.test';
export const TEST_AUDIENCE = 'crisis-desk-api';

export interface TestUser {
  userId: string;
  trustId: string;
  teamId: string | null;
  roles: Role[];
}

/** Two trusts; trust A has two teams. A clinician per team (two in team A1), team leads and admins. */
export const USERS = {
  a1Clinician: { userId: 'a1-clin', trustId: 'trust-a', teamId: 'team-a1', roles: ['clinician'] },
  a1Clinician2: { userId: 'a1-clin2', trustId: 'trust-a', teamId: 'team-a1', roles: ['clinician'] },
  a2Clinician: { userId: 'a2-clin', trustId: 'trust-a', teamId: 'team-a2', roles: ['clinician'] },
  a1Lead: { userId: 'a1-lead', trustId: 'trust-a', teamId: 'team-a1', roles: ['team_lead'] },
  aAdmin: { userId: 'a-admin', trustId: 'trust-a', teamId: null, roles: ['admin'] },
  b1Clinician: { userId: 'b1-clin', trustId: 'trust-b', teamId: 'team-b1', roles: ['clinician'] },
  b1Lead: { userId: 'b1-lead', trustId: 'trust-b', teamId: 'team-b1', roles: ['team_lead'] },
  bAdmin: { userId: 'b-admin', trustId: 'trust-b', teamId: null, roles: ['admin'] },
} satisfies Record<string, TestUser>;

/** Inserts the trusts, teams and users of USERS (the database must be migrated). */
export async function seedTestUsers(db: Db): Promise<void> {
  for (const t of ['trust-a', 'trust-b']) await db.query('INSERT INTO trust (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [t, t]);
  for (const [team, trust] of [['team-a1', 'trust-a'], ['team-a2', 'trust-a'], ['team-b1', 'trust-b']]) {
    await db.query('INSERT INTO team (id, trust_id, name) VALUES ($1, $2, $1) ON CONFLICT DO NOTHING', [team, trust]);
  }
  for (const u of Object.values(USERS) as TestUser[]) {
    await db.query('INSERT INTO app_user (id, trust_id, team_id, display_name, roles) VALUES ($1, $2, $3, $1, $4) ON CONFLICT DO NOTHING', [u.userId, u.trustId, u.teamId, u.roles]);
  }
}

export interface TestServer {
  app: App;
  deps: ServerDeps;
  /** A valid access token for the user (ttlSeconds may be negative for an expired one). */
  tokenFor(user: TestUser, ttlSeconds?: number): Promise<string>;
  /** Headers carrying that token. */
  auth(user: TestUser): Promise<{ authorization: string }>;
  close(): Promise<void>;
}

/** The real app on a real database, with tokens from a test signing key instead of a sign-in. */
export async function createTestServer(db: Db, modules: RouteModule[], env: Record<string, string> = {}): Promise<TestServer> {
  const key = await generateSigningKey();
  // The built-in provider (when a test registers it) seals its key under a secret that is not in the database.
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: '/nonexistent', SIGNING_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'), ...env });
  const deps: ServerDeps = {
    db,
    config,
    verifyToken: createTokenVerifier({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE, jwks: { keys: [key.publicJwk] } }),
    hints: createLocalHintBus(),
  };
  const app = await buildServer(deps, modules);
  const tokenFor = (u: TestUser, ttlSeconds = 600) =>
    signAccessToken(key, { ...u, displayName: u.userId } satisfies Omit<Principal, 'jti'>, { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, ttlSeconds });
  return {
    app,
    deps,
    tokenFor,
    auth: async (u) => ({ authorization: `Bearer ${await tokenFor(u)}` }),
    close: async () => {
      await app.close();
      await deps.hints.close();
    },
  };
}
