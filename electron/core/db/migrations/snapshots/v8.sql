-- index addendum_by_record on call_addendum
CREATE INDEX addendum_by_record ON "call_addendum" (record_id, created_at);

-- index call_record_by_discarded on call_record
CREATE INDEX call_record_by_discarded ON call_record (discarded_at) WHERE discarded_at IS NOT NULL;

-- index call_record_by_finalised on call_record
CREATE INDEX call_record_by_finalised ON call_record (finalised_at) WHERE finalised_at IS NOT NULL;

-- index call_record_by_start on call_record
CREATE INDEX call_record_by_start ON call_record (julianday(json_extract(content, '$.startedAt')));

-- index call_record_by_status on call_record
CREATE INDEX call_record_by_status ON call_record (status, updated_at);

-- index call_record_callback_owed on call_record
CREATE INDEX call_record_callback_owed ON call_record (julianday(json_extract(content, '$.startedAt')), status, id)
      WHERE json_extract(content, '$.callback.required') = 1 AND json_extract(content, '$.callback.completedAt') IS NULL;

-- index outbox_by_author on outbox
CREATE INDEX outbox_by_author ON outbox (author_id, state);

-- index outbox_by_record on outbox
CREATE INDEX outbox_by_record ON outbox (record_id, seq);

-- index outbox_by_state on outbox
CREATE INDEX outbox_by_state ON outbox (state, seq);

-- index outbox_by_stream on outbox
CREATE UNIQUE INDEX outbox_by_stream ON outbox (stream_id, stream_seq);

-- index problem_report_by_service on problem_report
CREATE INDEX problem_report_by_service ON problem_report (service_id, reported_at);

-- index problem_report_by_team on problem_report
CREATE INDEX problem_report_by_team ON problem_report (team_id, reported_at);

-- index record_filing_by_team on record_filing
CREATE INDEX record_filing_by_team ON record_filing (team_id);

-- index sqlite_autoindex_call_addendum_1 on call_addendum
null;

-- index sqlite_autoindex_call_record_1 on call_record
null;

-- index sqlite_autoindex_call_revision_1 on call_revision
null;

-- index sqlite_autoindex_conflict_1 on conflict
null;

-- index sqlite_autoindex_meta_1 on meta
null;

-- index sqlite_autoindex_outbox_1 on outbox
null;

-- index sqlite_autoindex_person_1 on person
null;

-- index sqlite_autoindex_problem_report_1 on problem_report
null;

-- index sqlite_autoindex_record_filing_1 on record_filing
null;

-- index sqlite_autoindex_rejected_change_1 on rejected_change
null;

-- index sqlite_autoindex_sync_stream_1 on sync_stream
null;

-- index sqlite_autoindex_team_context_1 on team_context
null;

-- index sync_stream_of_author on sync_stream
CREATE UNIQUE INDEX sync_stream_of_author ON sync_stream (author_id) WHERE legacy = 0;

-- table audit on audit
CREATE TABLE audit (
      seq       INTEGER PRIMARY KEY AUTOINCREMENT,
      at        TEXT NOT NULL,
      action    TEXT NOT NULL,
      record_id TEXT,
      detail    TEXT NOT NULL,
      prev_mac  TEXT NOT NULL,
      mac       TEXT NOT NULL
    ) STRICT;

-- table call_addendum on call_addendum
CREATE TABLE "call_addendum" (
      id           TEXT PRIMARY KEY,
      record_id    TEXT NOT NULL REFERENCES call_record (id),
      created_at   TEXT NOT NULL,
      text         TEXT NOT NULL,
      content_hash TEXT NOT NULL
    , callback_made_at TEXT, author_id TEXT, unclaimed INTEGER NOT NULL DEFAULT 0 CHECK (unclaimed IN (0, 1))) STRICT;

-- table call_record on call_record
CREATE TABLE call_record (
      id               TEXT PRIMARY KEY,
      status           TEXT NOT NULL CHECK (status IN ('draft', 'finalised', 'discarded')),
      local_revision         INTEGER NOT NULL CHECK (local_revision >= 1),
      -- The server's revision this draft was last based on; null until the record has been synced.
      base_revision    INTEGER,
      origin_client_id TEXT NOT NULL,
      created_at       TEXT NOT NULL,
      updated_at       TEXT NOT NULL,
      finalised_at     TEXT,
      discarded_at     TEXT,
      discard_reason   TEXT,
      content_hash     TEXT,
      -- Canonical JSON (RFC 8785) of CallRecordContent, so equal content is equal text.
      content          TEXT NOT NULL, created_by TEXT,
      CHECK (status <> 'finalised' OR (finalised_at IS NOT NULL AND content_hash IS NOT NULL)),
      CHECK (status <> 'discarded' OR (discarded_at IS NOT NULL AND discard_reason IS NOT NULL))
    ) STRICT;

-- table call_revision on call_revision
CREATE TABLE call_revision (
      record_id TEXT NOT NULL REFERENCES call_record (id),
      local_revision  INTEGER NOT NULL,
      kind      TEXT NOT NULL CHECK (kind IN ('create', 'edit', 'finalise', 'discard')),
      saved_at  TEXT NOT NULL,
      content   TEXT NOT NULL, author_id TEXT, unclaimed INTEGER NOT NULL DEFAULT 0 CHECK (unclaimed IN (0, 1)),
      PRIMARY KEY (record_id, local_revision)
    ) STRICT;

-- table conflict on conflict
CREATE TABLE conflict (
      id              TEXT PRIMARY KEY,
      record_id       TEXT NOT NULL REFERENCES call_record (id),
      mutation_id     TEXT NOT NULL,
      detected_at     TEXT NOT NULL,
      local_revision  INTEGER NOT NULL,
      local_content   TEXT NOT NULL,
      server_revision INTEGER NOT NULL,
      server_content  TEXT NOT NULL,
      resolved_at     TEXT,
      resolution      TEXT
    , author_id TEXT) STRICT;

-- table meta on meta
CREATE TABLE meta (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) STRICT;

-- table outbox on outbox
CREATE TABLE "outbox" (
      seq           INTEGER PRIMARY KEY AUTOINCREMENT,
      mutation_id   TEXT NOT NULL UNIQUE,
      -- The call record a change is to; for a report, the report's id (problem_report).
      record_id     TEXT NOT NULL,
      kind          TEXT NOT NULL CHECK (kind IN ('upsert', 'finalise', 'addendum', 'discard', 'report')),
      payload       TEXT NOT NULL,
      base_revision INTEGER,
      desk_time     TEXT NOT NULL,
      state         TEXT NOT NULL DEFAULT 'pending',
      author_id     TEXT,
      stream_id     TEXT REFERENCES sync_stream (id),
      stream_seq    INTEGER
    ) STRICT;

-- table person on person
CREATE TABLE person (
      user_id      TEXT PRIMARY KEY,
      display_name TEXT NOT NULL,
      updated_at   TEXT NOT NULL
    ) STRICT;

-- table problem_report on problem_report
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

-- table record_filing on record_filing
CREATE TABLE record_filing (
      record_id         TEXT PRIMARY KEY REFERENCES call_record (id),
      team_id           TEXT NOT NULL,
      clinician_id      TEXT NOT NULL,
      server_updated_at TEXT NOT NULL
    ) STRICT;

-- table rejected_change on rejected_change
CREATE TABLE "rejected_change" (
      mutation_id TEXT PRIMARY KEY,
      seq         INTEGER NOT NULL,
      record_id   TEXT NOT NULL,
      kind        TEXT NOT NULL,
      payload     TEXT NOT NULL,
      reason      TEXT NOT NULL,
      failed_at   TEXT NOT NULL,
      resolved_at TEXT
    , author_id TEXT) STRICT;

-- table sqlite_sequence on sqlite_sequence
CREATE TABLE sqlite_sequence(name,seq);

-- table sync_stream on sync_stream
CREATE TABLE sync_stream (
      id         TEXT PRIMARY KEY,
      author_id  TEXT,
      legacy     INTEGER NOT NULL DEFAULT 0 CHECK (legacy IN (0, 1)),
      next_seq   INTEGER NOT NULL DEFAULT 1,
      acked_seq  INTEGER NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL, claimed_seq INTEGER NOT NULL DEFAULT 0,
      CHECK (legacy = 1 OR author_id IS NOT NULL)
    ) STRICT;

-- table team_context on team_context
CREATE TABLE team_context (
      team_id    TEXT PRIMARY KEY,
      context    TEXT NOT NULL,
      fetched_at TEXT NOT NULL,
      fetched_by TEXT
    ) STRICT;

-- trigger addendum_no_delete on call_addendum
CREATE TRIGGER addendum_no_delete BEFORE DELETE ON "call_addendum"
    BEGIN SELECT RAISE(ABORT, 'addenda cannot be deleted'); END;

-- trigger addendum_no_update on call_addendum
CREATE TRIGGER addendum_no_update BEFORE UPDATE ON "call_addendum"
    WHEN NOT (OLD.unclaimed = 1 AND NEW.unclaimed = 0 AND OLD.author_id IS NULL AND NEW.author_id IS NOT NULL
      AND NEW.id IS OLD.id AND NEW.record_id IS OLD.record_id AND NEW.created_at IS OLD.created_at AND NEW.text IS OLD.text
      AND NEW.content_hash IS OLD.content_hash AND NEW.callback_made_at IS OLD.callback_made_at)
    BEGIN SELECT RAISE(ABORT, 'addenda cannot be changed'); END;

-- trigger addendum_only_on_finalised on call_addendum
CREATE TRIGGER addendum_only_on_finalised BEFORE INSERT ON "call_addendum"
    WHEN (SELECT status FROM call_record WHERE id = NEW.record_id) IS NOT 'finalised'
    BEGIN SELECT RAISE(ABORT, 'addenda can only be added to finalised call records'); END;

-- trigger audit_no_delete on audit
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

-- trigger audit_no_update on audit
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

-- trigger call_record_created_by_fixed on call_record
CREATE TRIGGER call_record_created_by_fixed BEFORE UPDATE OF created_by ON call_record
    WHEN OLD.created_by IS NOT NULL AND NEW.created_by IS NOT OLD.created_by
    BEGIN SELECT RAISE(ABORT, 'who started a call record never changes'); END;

-- trigger call_record_finalised_immutable on call_record
CREATE TRIGGER call_record_finalised_immutable BEFORE UPDATE ON call_record
    WHEN OLD.status <> 'draft' AND (
      NEW.status IS NOT OLD.status OR NEW.content IS NOT OLD.content OR NEW.local_revision IS NOT OLD.local_revision
      OR NEW.content_hash IS NOT OLD.content_hash OR NEW.finalised_at IS NOT OLD.finalised_at
      OR NEW.discarded_at IS NOT OLD.discarded_at OR NEW.discard_reason IS NOT OLD.discard_reason
      OR NEW.id IS NOT OLD.id OR NEW.created_at IS NOT OLD.created_at OR NEW.updated_at IS NOT OLD.updated_at
      OR NEW.origin_client_id IS NOT OLD.origin_client_id)
    BEGIN SELECT RAISE(ABORT, 'a finalised or discarded call record cannot be changed (add an addendum)'); END;

-- trigger call_record_no_delete on call_record
CREATE TRIGGER call_record_no_delete BEFORE DELETE ON call_record
    BEGIN SELECT RAISE(ABORT, 'call records are never deleted (discard a draft instead)'); END;

-- trigger call_revision_no_delete on call_revision
CREATE TRIGGER call_revision_no_delete BEFORE DELETE ON call_revision
    BEGIN SELECT RAISE(ABORT, 'saved revisions cannot be deleted'); END;

-- trigger call_revision_no_update on call_revision
CREATE TRIGGER call_revision_no_update BEFORE UPDATE ON call_revision
    WHEN NOT (OLD.unclaimed = 1 AND NEW.unclaimed = 0 AND OLD.author_id IS NULL AND NEW.author_id IS NOT NULL
      AND NEW.record_id IS OLD.record_id AND NEW.local_revision IS OLD.local_revision AND NEW.kind IS OLD.kind
      AND NEW.saved_at IS OLD.saved_at AND NEW.content IS OLD.content)
    BEGIN SELECT RAISE(ABORT, 'saved revisions cannot be changed'); END;

-- trigger outbox_names_a_record on outbox
CREATE TRIGGER outbox_names_a_record BEFORE INSERT ON outbox
    WHEN (NEW.kind = 'report' AND NOT EXISTS (SELECT 1 FROM problem_report WHERE id = NEW.record_id))
      OR (NEW.kind <> 'report' AND NOT EXISTS (SELECT 1 FROM call_record WHERE id = NEW.record_id))
    BEGIN SELECT RAISE(ABORT, 'an outbox entry must name a call record or a report that exists'); END;

-- trigger outbox_record_fixed on outbox
CREATE TRIGGER outbox_record_fixed BEFORE UPDATE OF record_id, kind ON outbox
    WHEN NEW.record_id IS NOT OLD.record_id OR NEW.kind IS NOT OLD.kind
    BEGIN SELECT RAISE(ABORT, 'what an outbox entry changes never changes'); END;

-- trigger problem_report_no_delete on problem_report
CREATE TRIGGER problem_report_no_delete BEFORE DELETE ON problem_report
    BEGIN SELECT RAISE(ABORT, 'reports are never deleted'); END;
