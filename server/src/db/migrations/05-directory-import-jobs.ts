import type { Migration } from './migration';

export const m05DirectoryImportJobs: Migration = {
  version: 5,
  name: 'directory imports are jobs with a per-record report, staged services and held withdrawals',
  sql: `
-- An import is a job any API node can show and finish: its state, progress and report live here,
-- not in the memory of the node that started it. A node running one beats its heartbeat; a job
-- whose heartbeat stopped is shown as interrupted.
ALTER TABLE directory_import ADD COLUMN status text;
ALTER TABLE directory_import ADD COLUMN input jsonb;
ALTER TABLE directory_import ADD COLUMN heartbeat_at timestamptz;
ALTER TABLE directory_import ADD COLUMN progress jsonb;
ALTER TABLE directory_import ADD COLUMN report jsonb;
ALTER TABLE directory_import ADD COLUMN decided_by text;
ALTER TABLE directory_import ADD COLUMN decided_at timestamptz;
UPDATE directory_import SET status = CASE WHEN finished_at IS NULL THEN 'interrupted' WHEN stats IS NULL THEN 'failed' WHEN published_version IS NULL THEN 'not_published' ELSE 'published' END;
ALTER TABLE directory_import ALTER COLUMN status SET NOT NULL;
ALTER TABLE directory_import ADD CONSTRAINT directory_import_status CHECK (status IN ('running', 'awaiting_confirmation', 'published', 'not_published', 'refused', 'superseded', 'failed', 'interrupted'));
CREATE INDEX directory_import_recent ON directory_import (trust_id, started_at DESC);
-- One import of a feed at a time.
CREATE UNIQUE INDEX directory_import_one_running ON directory_import (trust_id, source) WHERE status = 'running';

-- Every record the feed held, and what became of it: imported, repaired, left out, or a duplicate
-- of the record at first_seq.
CREATE TABLE directory_import_record (
  import_id uuid NOT NULL REFERENCES directory_import(id) ON DELETE CASCADE,
  seq integer NOT NULL,
  place text NOT NULL,
  feed_id text,
  service_id text,
  name text,
  outcome text NOT NULL CHECK (outcome IN ('imported', 'repaired', 'left_out', 'duplicate')),
  first_seq integer,
  defects jsonb NOT NULL,
  PRIMARY KEY (import_id, seq)
);
CREATE INDEX directory_import_record_service ON directory_import_record (import_id, service_id);
CREATE INDEX directory_import_record_outcome ON directory_import_record (import_id, outcome, seq);
CREATE INDEX directory_import_record_copies ON directory_import_record (import_id, first_seq) WHERE first_seq IS NOT NULL;

-- The services an import publishes, staged until it is published (or, when held, confirmed).
CREATE TABLE directory_import_service (
  import_id uuid NOT NULL REFERENCES directory_import(id) ON DELETE CASCADE,
  id text NOT NULL,
  doc jsonb NOT NULL,
  PRIMARY KEY (import_id, id)
);

-- The services an import withdrew, or would withdraw once an admin confirms.
CREATE TABLE directory_import_withdrawal (
  import_id uuid NOT NULL REFERENCES directory_import(id) ON DELETE CASCADE,
  service_id text NOT NULL,
  name text,
  PRIMARY KEY (import_id, service_id)
);
`,
};
