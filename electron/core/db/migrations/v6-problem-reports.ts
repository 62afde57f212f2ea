import type { Migration } from './migration';

/**
 * Clinicians' reports of problems with directory services. A report is a change like
 * any other: kept here, queued in the outbox in the same transaction (kind 'report', record_id the
 * report's id) and sent in its author's stream. The outbox is rebuilt because its record_id was a
 * foreign key to call_record and its kinds a fixed list; triggers keep what the foreign key kept
 * (every queued change names a record, or a report, that exists). Rows, seqs and the AUTOINCREMENT
 * high-water mark are kept as they were.
 */
export const v6ProblemReports: Migration = (db) => {
  const highWater = (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").pluck().get() as number | undefined) ?? 0;
  db.exec(`
    -- state: queued (in the outbox), sent (the server has it; published_version is the directory
    -- version that carries it to every desk, when the server said), refused (kept as a rejection).
    CREATE TABLE problem_report (
      id                TEXT PRIMARY KEY,
      service_id        TEXT NOT NULL,
      service_name      TEXT NOT NULL,
      kind              TEXT NOT NULL,
      note              TEXT,
      phone             TEXT,
      reported_at       TEXT NOT NULL,
      author_id         TEXT NOT NULL,
      team_id           TEXT,
      state             TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'refused')),
      acked_at          TEXT,
      published_version INTEGER
    ) STRICT;
    CREATE INDEX problem_report_by_service ON problem_report (service_id, reported_at);
    CREATE INDEX problem_report_by_team ON problem_report (team_id, reported_at);

    CREATE TABLE outbox_v6 (
      seq           INTEGER PRIMARY KEY AUTOINCREMENT,
      mutation_id   TEXT NOT NULL UNIQUE,
      -- The call record a change is to; for a report, the report's id (problem_report).
      record_id     TEXT NOT NULL,
      kind          TEXT NOT NULL CHECK (kind IN ('upsert', 'finalise', 'addendum', 'discard', 'report')),
      payload       TEXT NOT NULL,
      base_revision INTEGER,
      desk_time     TEXT NOT NULL,
      attempts      INTEGER NOT NULL DEFAULT 0,
      state         TEXT NOT NULL DEFAULT 'pending',
      author_id     TEXT,
      stream_id     TEXT REFERENCES sync_stream (id),
      stream_seq    INTEGER
    ) STRICT;
    INSERT INTO outbox_v6 (seq, mutation_id, record_id, kind, payload, base_revision, desk_time, attempts, state, author_id, stream_id, stream_seq)
      SELECT seq, mutation_id, record_id, kind, payload, base_revision, desk_time, attempts, state, author_id, stream_id, stream_seq FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_v6 RENAME TO outbox;
    CREATE INDEX outbox_by_record ON outbox (record_id, seq);
    CREATE INDEX outbox_by_state ON outbox (state, seq);
    CREATE UNIQUE INDEX outbox_by_stream ON outbox (stream_id, stream_seq);
    CREATE INDEX outbox_by_author ON outbox (author_id, state);

    CREATE TRIGGER outbox_names_a_record BEFORE INSERT ON outbox
    WHEN (NEW.kind = 'report' AND NOT EXISTS (SELECT 1 FROM problem_report WHERE id = NEW.record_id))
      OR (NEW.kind <> 'report' AND NOT EXISTS (SELECT 1 FROM call_record WHERE id = NEW.record_id))
    BEGIN SELECT RAISE(ABORT, 'an outbox entry must name a call record or a report that exists'); END;
    CREATE TRIGGER outbox_record_fixed BEFORE UPDATE OF record_id, kind ON outbox
    WHEN NEW.record_id IS NOT OLD.record_id OR NEW.kind IS NOT OLD.kind
    BEGIN SELECT RAISE(ABORT, 'what an outbox entry changes never changes'); END;
    CREATE TRIGGER problem_report_no_delete BEFORE DELETE ON problem_report
    BEGIN SELECT RAISE(ABORT, 'reports are never deleted'); END;
  `);
  db.prepare("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'outbox'").run(highWater);
  if (highWater > 0 && db.prepare("SELECT count(*) FROM sqlite_sequence WHERE name = 'outbox'").pluck().get() === 0) {
    db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)").run(highWater);
  }
};
