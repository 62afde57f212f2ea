import { connectPostgres, openPglite, type Db } from '../../server/src/db/db';
import { migrate } from '../../server/src/db/migrations';
import { seedTestUsers } from './server-fixtures';
import { createTestDatabase } from './test-database';

export interface OpenedDatabase {
  db: Db;
  close(): Promise<void>;
}

/** A migrated database with the test trusts and users: a fresh one in the run's PostgreSQL, or an in-memory PGlite. */
export async function openSeededDatabase(kind: 'postgres' | 'pglite'): Promise<OpenedDatabase> {
  if (kind === 'pglite') {
    const db = await openPglite();
    await migrate(db);
    await seedTestUsers(db);
    return { db, close: () => db.close() };
  }
  const t = await createTestDatabase();
  const db = connectPostgres(t.url);
  await migrate(db);
  await seedTestUsers(db);
  return {
    db,
    close: async () => {
      await db.close();
      await t.drop();
    },
  };
}

/** Both databases the server runs on, for describe.each. */
export const DATABASE_KINDS = [['PostgreSQL', 'postgres'], ['PGlite', 'pglite']] as const;
