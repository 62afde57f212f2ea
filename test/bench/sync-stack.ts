import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../server/src/config';
import { connectPostgres, type Db } from '../../server/src/db/db';
import { migrate } from '../../server/src/db/migrations';
import { publishAndDistribute, type Publication } from '../../server/src/directory/publisher';
import { createLocalHintBus } from '../../server/src/hints/local-hint-bus';
import type { DirectoryService } from '../../shared/domain/directory';
import { ServerProcess } from '../faults/server-process';
import { FAULT_AUDIENCE, TestIssuer } from '../faults/test-issuer';
import { freePort } from '../support/free-port';
import { startPostgres, type PostgresCluster } from '../support/postgres';
import { seedTestUsers, type TestUser } from '../support/server-fixtures';

export const BENCH_TRUST = 'trust-a';

/**
 * Our side of the sync benchmark: a throwaway PostgreSQL, the central API as a process of its own
 * (as deployed: its own event loop, on loopback) — or several, each with a DATA_DIR of its own —
 * an identity provider for desk tokens, and publishing from this process into the same database
 * (and the first node's cache folder).
 */
export class SyncStack {
  private cluster: PostgresCluster | null = null;
  private db: Db | null = null;
  private readonly issuer = new TestIssuer();
  private servers: ServerProcess[] = [];
  private readonly hints = createLocalHintBus();

  constructor(
    private readonly dataDir: string,
    private readonly nodes = 1,
  ) {}

  /** This process's connection to the benchmark database. */
  get database(): Db {
    return this.db!;
  }

  /** The first node's URL. */
  get url(): string {
    return this.servers[0]!.url;
  }

  /** Every node: its port and its DATA_DIR. */
  get nodeList(): { port: number; dataDir: string }[] {
    return this.servers.map((s, i) => ({ port: s.port, dataDir: this.nodeDir(i) }));
  }

  private nodeDir(i: number): string {
    return i === 0 ? this.dataDir : `${this.dataDir}-node-${i}`;
  }

  async start(): Promise<void> {
    // Durable (fsync on), as in production: a push's commits cost what they cost there.
    this.cluster = await startPostgres({ durable: true });
    const admin = new pg.Client({ connectionString: this.cluster.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE crisis_desk_bench');
    await admin.end();
    const url = new URL(this.cluster.adminUrl);
    url.pathname = '/crisis_desk_bench';
    this.db = connectPostgres(url.toString());
    await migrate(this.db);
    await seedTestUsers(this.db);
    await this.issuer.start();
    for (let i = 0; i < this.nodes; i++) {
      // The server refuses a DATA_DIR other users can read.
      mkdirSync(this.nodeDir(i), { recursive: true, mode: 0o700 });
      chmodSync(this.nodeDir(i), 0o700);
      const server = new ServerProcess(await freePort(), {
        DATABASE_URL: url.toString(),
        DATA_DIR: this.nodeDir(i),
        OIDC_ISSUER: this.issuer.url,
        OIDC_AUDIENCE: FAULT_AUDIENCE,
      },
      // A measuring aid (test/bench/sync-push-phases.ts): a CPU profile of each node, written when it stops.
      process.env.SERVER_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SERVER_CPU_PROF}`] : []);
      this.servers.push(server);
      await server.start();
    }
  }

  /** Publishes the trust's whole directory (a new version when anything changed) and builds its snapshot. */
  async publish(services: readonly DirectoryService[]): Promise<Publication> {
    const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: path.resolve(this.dataDir) });
    const p = await publishAndDistribute({ db: this.db!, config, hints: this.hints }, BENCH_TRUST, services, { source: 'bench', complete: true });
    if (p.snapshotError) throw new Error(p.snapshotError);
    // As autovacuum would within a minute or two: until then the changes feed's page query runs
    // on no statistics and is some 20 times slower (docs/benchmarks.md, Central API), which would
    // time PostgreSQL's plan instead of the desk's paging path.
    await this.db!.query('ANALYZE directory_service');
    return p;
  }

  /** A clinician of the benchmark trust; each name is a user of its own (whose records nobody else pulls). */
  token(userId: string): Promise<string> {
    const user: TestUser = { userId, trustId: BENCH_TRUST, teamId: 'team-a1', roles: ['clinician'] };
    return this.issuer.token(user, 3600);
  }

  /** How many call records the server holds for a user (the benchmark checks every push arrived once). */
  async recordsOf(userId: string): Promise<number> {
    const [row] = await this.db!.query<{ n: string }>('SELECT count(*) AS n FROM call_record WHERE clinician_id = $1', [userId]);
    return Number(row!.n);
  }

  async stop(): Promise<void> {
    for (const server of this.servers) await server.stop();
    await this.issuer.close();
    await this.db?.close();
    await this.cluster?.stop();
  }
}
