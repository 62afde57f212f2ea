import type { DirectoryService } from '../domain/directory';
import { DIRECTORY_SCHEMA, DIRECTORY_SCHEMA_VERSION, META_KEYS } from './schema';
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
