import type { Migration } from './migration';

/**
 * Shift summaries on a team lead's desk (electron/core/summaries): the team and clinician the
 * server filed each pulled record under, and the server's time of its last change; the team
 * context last fetched per team; records found by when their call started.
 */
export const v3ShiftSummaries: Migration = (db) => {
  db.exec(`
    CREATE TABLE record_filing (
      record_id         TEXT PRIMARY KEY REFERENCES call_record (id),
      team_id           TEXT NOT NULL,
      clinician_id      TEXT NOT NULL,
      server_updated_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX record_filing_by_team ON record_filing (team_id);
    CREATE INDEX call_record_by_start ON call_record (julianday(json_extract(content, '$.startedAt')));
    -- What may still be open from before a shift: callbacks not closed in the record, and records closed late.
    CREATE INDEX call_record_callback_open ON call_record (julianday(json_extract(content, '$.startedAt')))
      WHERE json_extract(content, '$.callback.required') = 1 AND json_extract(content, '$.callback.completedAt') IS NULL;
    CREATE INDEX call_record_by_finalised ON call_record (finalised_at) WHERE finalised_at IS NOT NULL;
    CREATE INDEX call_record_by_discarded ON call_record (discarded_at) WHERE discarded_at IS NOT NULL;

    -- shared/lib/shift-team-context.ts as the server last sent it, and to whom.
    CREATE TABLE team_context (
      team_id    TEXT PRIMARY KEY,
      context    TEXT NOT NULL,
      fetched_at TEXT NOT NULL,
      fetched_by TEXT
    ) STRICT;
  `);
};
