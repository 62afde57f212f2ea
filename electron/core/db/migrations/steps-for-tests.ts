import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { MIGRATIONS, readSchemaVersion, runMigrations } from './index';

/** A desk.db (real SQLite, in memory) at this schema version, with foreign keys on as openDeskDb sets them. */
export function deskDbAt(version: number): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  runMigrations(db, MIGRATIONS.slice(0, version));
  if (readSchemaVersion(db) !== version) throw new Error(`expected schema ${version}`);
  return db;
}

/** Runs the one step from the database's version to the next, as openDeskDb would. */
export function stepUp(db: Database.Database): number {
  return runMigrations(db, MIGRATIONS.slice(0, readSchemaVersion(db) + 1));
}

/** The schema as SQLite keeps it (sqlite_master: every table, index and trigger as created or altered). */
export function schemaOf(db: Database.Database): string {
  const rows = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all() as { type: string; name: string; tbl_name: string; sql: string | null }[];
  return rows.map((r) => `-- ${r.type} ${r.name} on ${r.tbl_name}\n${r.sql};\n`).join('\n');
}

/** The schema a version built when its snapshot was taken (snapshots/v<version>.sql). */
export function snapshotOf(version: number): string {
  return readFileSync(new URL(`./snapshots/v${version}.sql`, import.meta.url), 'utf8');
}

export const names = (db: Database.Database, type: 'table' | 'index' | 'trigger') =>
  db.prepare('SELECT name FROM sqlite_master WHERE type = ? ORDER BY name').pluck().all(type) as string[];

export const columns = (db: Database.Database, table: string) => (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
