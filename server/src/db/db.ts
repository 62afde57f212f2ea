import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import pg from 'pg';

/** Something SQL can be run on: the database, or one transaction on it. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * The server's PostgreSQL, whichever it is: a real server through `pg` (production, integration
 * tests) or PGlite embedded in the process (the demo). Both run exactly the same SQL.
 */
export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements separated by semicolons (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

// bigint columns hold counts and sequence numbers far below 2^53: read them as numbers on both.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** How one API node uses PostgreSQL (config.ts: DATABASE_POOL_MAX and the DATABASE_*_MS timeouts). */
export interface PoolOptions {
  /** Connections this node may hold; N nodes hold up to N × this (plus one each for hints). */
  max?: number;
  /** A statement running longer is cancelled (57014); 0 for none. */
  statementTimeoutMs?: number;
  /** A session idle inside a transaction longer is ended, so a stalled node cannot hold locks; 0 for none. */
  idleInTransactionTimeoutMs?: number;
  /** Waiting longer for a connection (from the pool, or PostgreSQL itself) fails the request; 0 for no limit. */
  connectTimeoutMs?: number;
  /** Shown in pg_stat_activity, so that each node's sessions can be told apart. */
  applicationName?: string;
}

export function connectPostgres(connectionString: string, options: PoolOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    // Both are set for each session when it connects (pg sends them in the startup packet).
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    ...(options.idleInTransactionTimeoutMs ? { idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs } : {}),
    ...(options.connectTimeoutMs ? { connectionTimeoutMillis: options.connectTimeoutMs } : {}),
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
    // A connection to a database that vanished (a failover, a cut network) is found dead, not waited on.
    keepAlive: true,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return {
    kind: 'postgres',
    async query(sql, params) {
      return (await pool.query(sql, params as unknown[])).rows;
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: async (sql, params) => (await client.query(sql, params as unknown[])).rows });
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    close: () => pool.end(),
  };
}

/** PGlite in a data folder (or in memory when dataDir is undefined). */
export async function openPglite(dataDir?: string): Promise<Db> {
  const db = await PGlite.create(dataDir, { parsers: { [pgliteTypes.INT8]: (v: string) => Number(v) } });
  // PGlite has one connection: transactions must not interleave, so they queue here.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };
  return {
    kind: 'pglite',
    query: (sql, params) => serial(async () => (await db.query(sql, params as unknown[])).rows as never),
    transaction: (fn) =>
      serial(() => db.transaction(async (tx) => fn({ query: async (sql, params) => (await tx.query(sql, params as unknown[])).rows as never }))),
    exec: (sql) => serial(async () => void (await db.exec(sql))),
    close: () => serial(() => db.close()),
  };
}
