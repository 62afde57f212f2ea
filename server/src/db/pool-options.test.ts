import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/test-database';
import { databaseUnavailable } from '../app';
import { loadConfig } from '../config';
import { poolOptions } from '../runtime/start-server';
import { connectPostgres, type Db } from './db';

/*
 * Each API node's use of the shared PostgreSQL comes from its environment: how many
 * connections it holds, its statement and idle-in-transaction timeouts, how long a request waits
 * for a connection, and the name it shows in pg_stat_activity.
 */
describe('a node’s pool, from the environment', () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Db;
  let observer: Db;

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadConfig({
      DATABASE_URL: database.url,
      DATABASE_POOL_MAX: '3',
      DATABASE_CONNECT_TIMEOUT_MS: '300',
      DATABASE_STATEMENT_TIMEOUT_MS: '45000',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '7000',
      NODE_NAME: 'pool-test-node',
      DATA_DIR: '/nonexistent',
    });
    db = connectPostgres(database.url, poolOptions(config));
    observer = connectPostgres(database.url);
  });

  afterAll(async () => {
    await db?.close();
    await observer?.close();
    await database?.drop();
  });

  it('holds at most DATABASE_POOL_MAX connections, named for the node, and answers a request that cannot get one as the database being unavailable', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered = 0;
    const held = Array.from({ length: 3 }, () =>
      db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        entered++;
        await gate;
      }),
    );
    while (entered < 3) await new Promise((r) => setTimeout(r, 10));
    try {
      const [{ n }] = (await observer.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'crisis-desk pool-test-node'")) as [{ n: number }];
      expect(n).toBe(3);
      // A fourth is not opened: the request waits DATABASE_CONNECT_TIMEOUT_MS, then fails as "unavailable" (503 to the desk).
      const fourth = await db.query('SELECT 1').then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(fourth).toBeInstanceOf(Error);
      expect(databaseUnavailable(fourth!)).toBe(true);
    } finally {
      release();
      await Promise.all(held);
    }
  });

  it('sets the statement and idle-in-transaction timeouts on each session', async () => {
    const [row] = await db.query<{ statement_timeout: string; idle: string }>("SELECT current_setting('statement_timeout') AS statement_timeout, current_setting('idle_in_transaction_session_timeout') AS idle");
    expect(row).toEqual({ statement_timeout: '45s', idle: '7s' });
  });
});
