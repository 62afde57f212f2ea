import type { DirectoryService } from '../domain/directory';
import { DIRECTORY_SCHEMA, DIRECTORY_SCHEMA_VERSION, DIRECTORY_UPGRADES, META_KEYS } from './schema';
import type { SqlDatabase } from './sql-database';
import { DirectoryWriter } from './store';

export interface SnapshotMeta {
  /** The directory's version as published (meta 'version'). */
  version: string;
  /** ISO timestamp (meta 'published_at'). */
  publishedAt: string;
  /** Where a desk holding this snapshot continues the changes feed (meta 'cursor'). */
  cursor?: string;
}

/**
 * Fills an empty database with a directory snapshot, the way every snapshot is built (by the
 * server for desks, by the synthetic generator for the demo and benchmarks): the schema, the
 * services in one transaction, then the full-text index merged, statistics gathered and the file
 * vacuumed, so the desk can query it as soon as it is downloaded.
 */
export function buildDirectorySnapshot(db: SqlDatabase, services: Iterable<DirectoryService>, meta: SnapshotMeta, serviceVersion = 1): number {
  let count = 0;
  db.exec('BEGIN');
  try {
    db.exec(DIRECTORY_SCHEMA);
    const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    put.run(META_KEYS.schemaVersion, String(DIRECTORY_SCHEMA_VERSION));
    put.run(META_KEYS.version, meta.version);
    put.run(META_KEYS.publishedAt, meta.publishedAt);
    if (meta.cursor !== undefined) put.run(META_KEYS.cursor, meta.cursor);
    const writer = new DirectoryWriter(db);
    for (const s of services) {
      writer.put(s, serviceVersion);
      count++;
    }
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
  // Merge the full-text index into one b-tree: smaller and faster to query.
  db.exec("INSERT INTO service_fts(service_fts) VALUES ('optimize')");
  // 0x10002: ANALYZE every table, not only those this connection has queried.
  db.exec('PRAGMA optimize = 0x10002');
  db.exec('VACUUM');
  return count;
}

/** True when a directory.db of this schema version can be brought up to the current one in place. */
export function canUpgradeDirectory(version: number): boolean {
  if (!Number.isInteger(version) || version < 1 || version > DIRECTORY_SCHEMA_VERSION) return false;
  for (let v = version; v < DIRECTORY_SCHEMA_VERSION; v++) if (DIRECTORY_UPGRADES[v] === undefined) return false;
  return true;
}

/**
 * Upgrades a directory.db from schema version `from` to the current one, in one transaction, and
 * records the new version in its meta table. Throws for a version it cannot upgrade.
 */
export function upgradeDirectorySchema(db: SqlDatabase, from: number): void {
  if (from === DIRECTORY_SCHEMA_VERSION) return;
  if (!canUpgradeDirectory(from)) throw new Error(`A directory of schema version ${from} cannot be upgraded to ${DIRECTORY_SCHEMA_VERSION}.`);
  db.exec('BEGIN');
  try {
    for (let v = from; v < DIRECTORY_SCHEMA_VERSION; v++) db.exec(DIRECTORY_UPGRADES[v]!);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(META_KEYS.schemaVersion, String(DIRECTORY_SCHEMA_VERSION));
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}
