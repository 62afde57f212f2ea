import type { Migration } from './migration';

export const m10SnapshotsInArtefactStore: Migration = {
  version: 10,
  name: 'directory snapshots in the artefact store, built once across API nodes',
  sql: `
-- A snapshot's bytes are the artefact of the same sha256 (NOT VALID: snapshots recorded before this
-- were files in one node's DATA_DIR; a node that still has one stores it, and the trust's newest is
-- rebuilt otherwise). A pruned snapshot stays downloadable for an hour (a download under way
-- finishes, or resumes on another node), then its row and artefact are deleted.
ALTER TABLE directory_snapshot ADD COLUMN pruned_at timestamptz;
ALTER TABLE directory_snapshot ADD CONSTRAINT directory_snapshot_artefact FOREIGN KEY (sha256) REFERENCES artefact (sha256) NOT VALID;

-- Who is building a trust's snapshot now: one builder per trust across every API node. The claim
-- is kept fresh by the builder's heartbeat; a claim left by a node that died goes stale and is taken over.
CREATE TABLE directory_snapshot_build (
  trust_id text PRIMARY KEY REFERENCES trust(id),
  claim uuid NOT NULL,
  node text NOT NULL,
  version bigint NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);
`,
};
