import { rmSync } from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import type { DirectoryService } from '../../shared/domain/directory';
import { DIRECTORY_SCHEMA, DIRECTORY_SCHEMA_VERSION, META_KEYS } from '../../shared/directory/schema';
import { DirectoryWriter } from '../../shared/directory/store';

export interface DirectorySnapshotMeta {
  /** The directory's version as published (meta 'version'). */
  version: string;
  /** ISO timestamp (meta 'published_at'). */
  publishedAt: string;
}

/** The per-service version written into each row of a freshly built snapshot. */
const SERVICE_VERSION = 1;

/**
 * Builds a directory.db holding exactly these services, the way a published snapshot is built:
 * a new unencrypted file, everything in one transaction, then FTS merged, statistics gathered
 * and the file vacuumed. Any existing file (and its journal) is replaced.
 */
export function writeDirectoryDb(file: string, services: readonly DirectoryService[], meta: DirectorySnapshotMeta): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
  const db = new Database(file);
  try {
    // A snapshot being built is thrown away if anything fails, so durability while writing is not needed.
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    // A large page cache while building: the coverage and FTS b-trees take inserts all over.
    db.pragma('cache_size = -131072');
    db.transaction(() => {
      db.exec(DIRECTORY_SCHEMA);
      const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      put.run(META_KEYS.schemaVersion, String(DIRECTORY_SCHEMA_VERSION));
      put.run(META_KEYS.version, meta.version);
      put.run(META_KEYS.publishedAt, meta.publishedAt);
      const writer = new DirectoryWriter(db);
      for (const s of services) writer.put(s, SERVICE_VERSION);
    })();
    // Merge the full-text index into one b-tree: smaller and faster to query.
    db.exec("INSERT INTO service_fts(service_fts) VALUES ('optimize')");
    // 0x10002: run ANALYZE on every table, not only those this connection has queried.
    db.pragma('optimize = 0x10002');
    db.exec('VACUUM');
  } finally {
    db.close();
  }
}
