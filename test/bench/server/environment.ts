import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { HintBus } from '../../../server/src/app';
import { loadConfig, type ServerConfig } from '../../../server/src/config';
import { connectPostgres, type Db } from '../../../server/src/db/db';
import { migrate } from '../../../server/src/db/migrations';
import { createHintBus } from '../../../server/src/hints/create-hint-bus';
import { ServerProcess } from '../../faults/server-process';
import { Balancer } from '../balancer';
import { FAULT_AUDIENCE, TestIssuer } from '../../faults/test-issuer';
import { freePort } from '../../support/free-port';
import { startPostgres, type PostgresCluster } from '../../support/postgres';
import type { TestUser } from '../../support/server-fixtures';

/*
 * What the server benchmark runs against: a throwaway PostgreSQL cluster, the real server as its
 * own process (HTTP, validation, auth, pool exactly as `npm run server` runs them) trusting an
 * external OIDC issuer whose tokens the bench mints, and a connection of the bench's own for
 * publishing the directory and checking afterwards what the server holds.
 */

export const TRUSTS = ['trust-a', 'trust-b'] as const;
/** Several teams over two trusts: record writes of one trust are numbered under one lock (migration 2). */
export const TEAMS: readonly { teamId: string; trustId: string }[] = [
  { teamId: 'team-a1', trustId: 'trust-a' },
  { teamId: 'team-a2', trustId: 'trust-a' },
  { teamId: 'team-a3', trustId: 'trust-a' },
  { teamId: 'team-b1', trustId: 'trust-b' },
  { teamId: 'team-b2', trustId: 'trust-b' },
];

/** The clinician of desk i (0-based), spread round the teams. */
export function deskClinician(i: number): TestUser {
  const team = TEAMS[i % TEAMS.length]!;
  return { userId: `bench-clin-${String(i + 1).padStart(3, '0')}`, trustId: team.trustId, teamId: team.teamId, roles: ['clinician'] };
}

/** The clinician whose desk pushes the 1,000 queued mutations (a desk back from an outage). */
export const OUTAGE_CLINICIAN: TestUser = { userId: 'bench-outage-clin', trustId: 'trust-a', teamId: 'team-a1', roles: ['clinician'] };

export interface BenchEnvironment {
  /** The bench's own connection to the server's database. */
  db: Db;
  /** For publishing in this process into the database and DATA_DIR the server process serves from. */
  publishDeps: { db: Db; config: ServerConfig; hints: HintBus };
  /** The first node, directly. */
  serverUrl: string;
  /** With several nodes: a round-robin load balancer in front of them all. */
  balancerUrl: string | null;
  token(user: TestUser): Promise<string>;
  /** Creates trusts (idempotent), e.g. one per full-directory publish. */
  addTrust(trustId: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startBenchEnvironment(opts: { workDir: string; desks: number; nodes?: number }): Promise<BenchEnvironment> {
  const nodes = opts.nodes ?? 1;
  const nodeDirs = Array.from({ length: nodes }, (_, i) => path.join(opts.workDir, i === 0 ? 'server' : `server-node-${i}`));
  const dataDir = nodeDirs[0]!;
  for (const dir of nodeDirs) {
    rmSync(dir, { recursive: true, force: true });
    // The server refuses a DATA_DIR other users can read.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }

  const cluster = await startPostgres({ durable: true });
  const stops: (() => Promise<void>)[] = [() => cluster.stop()];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e: Error) => console.error(`server bench: stopping: ${e.message}`));
    for (const dir of nodeDirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const dbUrl = await createDatabase(cluster);
    // Named, so that the bench's own connections can be told from the server's in pg_stat_activity.
    const benchUrl = `${dbUrl}?application_name=bench`;
    const db = connectPostgres(benchUrl);
    stops.push(() => db.close());
    await migrate(db);
    const users = [OUTAGE_CLINICIAN, ...Array.from({ length: opts.desks }, (_, i) => deskClinician(i))];
    await seedUsers(db, users);

    const issuer = new TestIssuer();
    await issuer.start();
    stops.push(() => issuer.close());
    const servers: ServerProcess[] = [];
    for (const dir of nodeDirs) {
      const server = new ServerProcess(await freePort(), { DATABASE_URL: dbUrl, DATA_DIR: dir, OIDC_ISSUER: issuer.url, OIDC_AUDIENCE: FAULT_AUDIENCE });
      await server.start();
      stops.push(() => server.stop());
      servers.push(server);
    }
    let balancerUrl: string | null = null;
    if (nodes > 1) {
      const balancer = new Balancer();
      await balancer.start(servers.map((s) => ({ host: '127.0.0.1', port: s.port })));
      stops.push(() => balancer.stop());
      balancerUrl = balancer.url;
    }

    const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, DATABASE_URL: benchUrl });
    const hints = createHintBus(db, config);
    stops.push(() => hints.close());
    const tokens = new Map<string, Promise<string>>();
    return {
      db,
      publishDeps: { db, config, hints },
      serverUrl: servers[0]!.url,
      balancerUrl,
      // One token per user for the whole bench: an hour outlives every part.
      token: (user) => tokens.get(user.userId) ?? tokens.set(user.userId, issuer.token(user, 3600)).get(user.userId)!,
      addTrust: async (trustId) => void (await db.query('INSERT INTO trust (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING', [trustId])),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The bench's database in the cluster (started durable: fsync on, as in production). */
async function createDatabase(cluster: PostgresCluster): Promise<string> {
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  try {
    await admin.query('CREATE DATABASE crisis_desk_bench');
  } finally {
    await admin.end();
  }
  const url = new URL(cluster.adminUrl);
  url.pathname = '/crisis_desk_bench';
  return url.toString();
}

async function seedUsers(db: Db, users: TestUser[]): Promise<void> {
  for (const t of TRUSTS) await db.query('INSERT INTO trust (id, name) VALUES ($1, $1)', [t]);
  for (const t of TEAMS) await db.query('INSERT INTO team (id, trust_id, name) VALUES ($1, $2, $1)', [t.teamId, t.trustId]);
  for (const u of users) {
    await db.query('INSERT INTO app_user (id, trust_id, team_id, display_name, roles) VALUES ($1, $2, $3, $1, $4)', [u.userId, u.trustId, u.teamId, u.roles]);
  }
}
