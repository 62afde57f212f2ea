import type Database from 'better-sqlite3-multiple-ciphers';
import type { Migration } from './migration';
import { v1CallRecords } from './v1-call-records';
import { v2CallbackMadeByAddendum } from './v2-callback-made-by-addendum';
import { v3ShiftSummaries } from './v3-shift-summaries';
import { v4WhoMadeEachChange } from './v4-who-made-each-change';
import { v5CallbacksOwedIndex } from './v5-callbacks-owed-index';
import { v6ProblemReports } from './v6-problem-reports';
import { v7NamesSharedWithTheServer } from './v7-names-shared-with-the-server';
import { v8ClaimedThrough } from './v8-claimed-through';

export type { Migration } from './migration';

/** desk.db's schema, in order: MIGRATIONS[i] takes the database from version i to i + 1 (one file per step, each with its test). */
export const MIGRATIONS: readonly Migration[] = [
  v1CallRecords,
  v2CallbackMadeByAddendum,
  v3ShiftSummaries,
  v4WhoMadeEachChange,
  v5CallbacksOwedIndex,
  v6ProblemReports,
  v7NamesSharedWithTheServer,
  v8ClaimedThrough,
];

/** The schema version this code writes: the number of migrations it knows. */
export const DESK_SCHEMA_VERSION = MIGRATIONS.length;

export function readSchemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Runs every pending step, and records the new version, in one transaction: a failure leaves
 * the database exactly as it was. The caller has already refused a version newer than the list.
 */
export function runMigrations(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const from = readSchemaVersion(db);
  if (from >= migrations.length) return from;
  db.transaction(() => {
    for (let version = from; version < migrations.length; version++) migrations[version]!(db);
    db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
  return migrations.length;
}
