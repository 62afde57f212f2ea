import type { Migration } from './migration';

export const m13DirectorySnapshotCompressed: Migration = {
  version: 13,
  name: 'directory snapshots stored compressed (zstd), with the hash and size of the file a desk installs',
  sql: `
-- A snapshot stored compressed: sha256 and bytes are the artefact's (what travels), installed_sha256
-- and installed_bytes the SQLite file a desk ends up with. NULL encoding: stored as installed (built
-- before this migration).
ALTER TABLE directory_snapshot ADD COLUMN encoding text CHECK (encoding IN ('zstd'));
ALTER TABLE directory_snapshot ADD COLUMN installed_sha256 text CHECK (installed_sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE directory_snapshot ADD COLUMN installed_bytes bigint CHECK (installed_bytes >= 0);
ALTER TABLE directory_snapshot ADD CONSTRAINT directory_snapshot_encoded CHECK ((encoding IS NULL) = (installed_sha256 IS NULL) AND (encoding IS NULL) = (installed_bytes IS NULL));
CREATE INDEX directory_snapshot_installed ON directory_snapshot (installed_sha256) WHERE installed_sha256 IS NOT NULL;
`,
};
