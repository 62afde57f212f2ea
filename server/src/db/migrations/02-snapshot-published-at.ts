import type { Migration } from './migration';

export const m02SnapshotPublishedAt: Migration = {
  version: 2,
  name: 'directory snapshots record when their version was published',
  sql: `
-- The publish time of the snapshot's version, as written in its meta table and shown in the manifest.
ALTER TABLE directory_snapshot ADD COLUMN published_at timestamptz;
`,
};
