import { connectPostgres, openPglite, type Db } from '../../server/src/db/db';
import { createTestDatabase } from './test-database';

export interface OpenedDatabase {
  db: Db;
  /** Removes the database (after db.close()). */
  drop(): Promise<void>;
}

/**
 * The two databases the server runs on, for `describe.each`: a fresh database in the run's real
 * PostgreSQL, and PGlite in memory. Neither is migrated yet.
 */
export const BOTH_DATABASES: [name: string, open: () => Promise<OpenedDatabase>][] = [
  [
    'PostgreSQL',
    async () => {
      const t = await createTestDatabase();
      return { db: connectPostgres(t.url), drop: t.drop };
    },
  ],
  ['PGlite', async () => ({ db: await openPglite(), drop: async () => {} })],
];
