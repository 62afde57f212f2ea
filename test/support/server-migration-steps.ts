import { readFileSync } from 'node:fs';
import { createTestDatabase } from './test-database';
import { connectPostgres, openPglite, type Db, type Queryable } from '../../server/src/db/db';
import { migrate, MIGRATIONS } from '../../server/src/db/migrations';

export type Engine = 'PostgreSQL' | 'PGlite';

export interface TestDb {
  db: Db;
  close(): Promise<void>;
}

/** An empty database: a fresh one in the run's PostgreSQL cluster, or an in-memory PGlite. */
export async function emptyDb(engine: Engine = 'PostgreSQL'): Promise<TestDb> {
  if (engine === 'PGlite') {
    const db = await openPglite();
    return { db, close: () => db.close() };
  }
  const t = await createTestDatabase();
  const db = connectPostgres(t.url);
  return {
    db,
    async close() {
      await db.close();
      await t.drop();
    },
  };
}

/** A database migrated up to this version (0: nothing). */
export async function serverDbAt(version: number, engine: Engine = 'PostgreSQL'): Promise<TestDb> {
  const t = await emptyDb(engine);
  if (version > 0) await migrate(t.db, MIGRATIONS.filter((m) => m.version <= version));
  return t;
}

export async function versionOf(db: Queryable): Promise<number> {
  const [{ exists }] = (await db.query<{ exists: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS exists")) as [{ exists: boolean }];
  if (!exists) return 0;
  const [{ v }] = (await db.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM schema_migrations')) as [{ v: number }];
  return v;
}

/** Applies the one step after the database's version, as a server starting on it would. */
export async function stepUp(db: Db): Promise<number> {
  const next = (await versionOf(db)) + 1;
  return migrate(db, MIGRATIONS.filter((m) => m.version <= next));
}

/** The people and team most steps' data belong to. */
export async function seedTrust(db: Queryable): Promise<void> {
  await db.query("INSERT INTO trust (id, name) VALUES ('t1', 'Trust One')");
  await db.query("INSERT INTO team (id, trust_id, name) VALUES ('team1', 't1', 'Crisis line')");
  await db.query("INSERT INTO app_user (id, trust_id, team_id, display_name, roles) VALUES ('u1', 't1', 'team1', 'Clinician', ARRAY['clinician'])");
}

export const RECORD = '0190a000-0000-7000-8000-000000000001';
export const CLIENT = '0190a000-0000-7000-8000-0000000000c1';

/** A finalised record as step 1 stores it. */
export async function seedFinalisedRecord(db: Queryable, id = RECORD): Promise<void> {
  await db.query(
    `INSERT INTO call_record (id, trust_id, team_id, clinician_id, origin_client_id, last_client_id, status, revision, content, content_hash, started_at, finalised_at, desk_updated_at)
     VALUES ($1, 't1', 'team1', 'u1', $2, $2, 'finalised', 3, '{"a":1}', 'hash', now(), now(), now())`,
    [id, CLIENT],
  );
}

/**
 * The schema as the catalogue holds it: every column (type, null, default), constraint, index,
 * trigger, function and sequence of the public schema, one line each, in a fixed order.
 */
export async function schemaOf(db: Queryable): Promise<string> {
  const sections: [string, string][] = [
    ['column', `SELECT table_name || '.' || column_name || ' ' || data_type || CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END
       || coalesce(' default ' || column_default, '') AS line
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name`],
    ['constraint', `SELECT c.conrelid::regclass::text || ' ' || c.conname || ': ' || pg_get_constraintdef(c.oid) AS line
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'
       -- NOT NULL is a column's (above); PostgreSQL 18 (PGlite) also lists it as a constraint, 16 does not.
       AND c.contype <> 'n' ORDER BY 1`],
    ['index', `SELECT indexdef AS line FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`],
    ['trigger', `SELECT pg_get_triggerdef(t.oid) || ' [' || t.tgenabled::text || ']' AS line FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
       JOIN pg_namespace n ON n.oid = r.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal ORDER BY t.tgname, r.relname`],
    ['function', `SELECT p.proname || ': ' || md5(p.prosrc) AS line FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY 1`],
    ['sequence', `SELECT sequence_name || ' ' || data_type AS line FROM information_schema.sequences WHERE sequence_schema = 'public' ORDER BY 1`],
  ];
  const out: string[] = [];
  for (const [name, sql] of sections) {
    out.push(`-- ${name}s`);
    for (const r of await db.query<{ line: string }>(sql)) out.push(r.line);
  }
  return `${out.join('\n')}\n`;
}

/** The schema a version built when its snapshot was taken (server/src/db/migrations/snapshots/<version>.txt). */
export function snapshotOf(version: number): string {
  return readFileSync(new URL(`../../server/src/db/migrations/snapshots/${version}.txt`, import.meta.url), 'utf8');
}
