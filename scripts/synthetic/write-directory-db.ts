import { rmSync } from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import type { DirectoryService } from '../../shared/domain/directory';
import { buildDirectorySnapshot } from '../../shared/directory/snapshot';

export interface DirectorySnapshotMeta {
  /** The directory's version as published (meta 'version'). */
  version: string;
  /** ISO timestamp (meta 'published_at'). */
  publishedAt: string;
}

/** The per-service version written into each row of a freshly built snapshot. */
const SERVICE_VERSION = 1;

/** Builds a directory.db holding exactly these services, as a published snapshot. Any existing file is replaced. */
export function writeDirectoryDb(file: string, services: readonly DirectoryService[], meta: DirectorySnapshotMeta): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
  const db = new Database(file);
  try {
    // A snapshot being built is thrown away if anything fails, so durability while writing is not needed.
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    // A large page cache while building: the coverage and FTS b-trees take inserts all over.
    db.pragma('cache_size = -131072');
    buildDirectorySnapshot(db, services, meta, SERVICE_VERSION);
  } finally {
    db.close();
  }
}
