import type { Db } from '../db';
import type { Migration } from './migration';
import { m01TenancyIdentityDirectoryCallRecords } from './01-tenancy-identity-directory-call-records';
import { m02SnapshotPublishedAt } from './02-snapshot-published-at';
import { m03CallRecordChangeOrder } from './03-call-record-change-order';
import { m04AddendumCallbackMade } from './04-addendum-callback-made';
import { m05DirectoryImportJobs } from './05-directory-import-jobs';
import { m06SecurityKeysLimitsTokens } from './06-security-keys-limits-tokens';
import { m07ShiftPresetsDeskTime } from './07-shift-presets-desk-time';
import { m08WhoMadeEachChange } from './08-who-made-each-change';
import { m09ArtefactsReleasesFleet } from './09-artefacts-releases-fleet';
import { m10SnapshotsInArtefactStore } from './10-snapshots-in-artefact-store';
import { m11IdsScopedByTrustDeskClock } from './11-ids-scoped-by-trust-desk-clock';
import { m12DirectoryQualityLoop } from './12-directory-quality-loop';
import { m13DirectorySnapshotCompressed } from './13-directory-snapshot-compressed';
import { m14PushChecksOnce } from './14-push-checks-once';

export type { Migration } from './migration';

/*
 * The server schema as numbered migrations, applied in order inside one transaction each and
 * recorded in schema_migrations. Same SQL on PostgreSQL and PGlite. After the first release,
 * migrations of synced tables only add.
 * One file per step, each with its test (NN-*.test.ts); schema.test.ts compares what they build
 * with a snapshot of the schema, so nothing drifts.
 */
export const MIGRATIONS: readonly Migration[] = [
  m01TenancyIdentityDirectoryCallRecords,
  m02SnapshotPublishedAt,
  m03CallRecordChangeOrder,
  m04AddendumCallbackMade,
  m05DirectoryImportJobs,
  m06SecurityKeysLimitsTokens,
  m07ShiftPresetsDeskTime,
  m08WhoMadeEachChange,
  m09ArtefactsReleasesFleet,
  m10SnapshotsInArtefactStore,
  m11IdsScopedByTrustDeskClock,
  m12DirectoryQualityLoop,
  m13DirectorySnapshotCompressed,
  m14PushChecksOnce,
];

/** Applies the migrations this database has not seen; refuses a database newer than the code. */
export async function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): Promise<number> {
  await db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
  const latest = migrations.at(-1)!.version;
  return db.transaction(async (tx) => {
    // Several API nodes may start at once: one migrates, the others wait here.
    await tx.query('SELECT pg_advisory_xact_lock(7301)');
    const [{ v }] = (await tx.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM schema_migrations')) as [{ v: number }];
    if (v > latest) throw new Error(`The database is at schema version ${v}, newer than this server (${latest}). Deploy the newer server.`);
    for (const m of migrations.filter((m) => m.version > v)) {
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    return latest;
  });
}

/** Splits a migration into statements, keeping $$-quoted function bodies whole. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let inDollar = false;
  for (const line of sql.split('\n')) {
    if (line.trim().startsWith('--') && !inDollar) continue;
    current += `${line}\n`;
    if ((line.match(/\$\$/g) ?? []).length % 2 === 1) inDollar = !inDollar;
    if (!inDollar && line.trimEnd().endsWith(';')) {
      out.push(current.trim());
      current = '';
    }
  }
  if (current.trim()) out.push(current.trim());
  return out;
}
