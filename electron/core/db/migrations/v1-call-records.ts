import type { Migration } from './migration';

export const v1CallRecords: Migration = (db) => {
  db.exec(`
    CREATE TABLE meta (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) STRICT;

    CREATE TABLE call_record (
      id               TEXT PRIMARY KEY,
      status           TEXT NOT NULL CHECK (status IN ('draft', 'finalised', 'discarded')),
      revision         INTEGER NOT NULL CHECK (revision >= 1),
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
      content          TEXT NOT NULL,
      CHECK (status <> 'finalised' OR (finalised_at IS NOT NULL AND content_hash IS NOT NULL)),
      CHECK (status <> 'discarded' OR (discarded_at IS NOT NULL AND discard_reason IS NOT NULL))
    ) STRICT;
    CREATE INDEX call_record_by_status ON call_record (status, updated_at);

    CREATE TABLE call_revision (
      record_id TEXT NOT NULL REFERENCES call_record (id),
      revision  INTEGER NOT NULL,
      kind      TEXT NOT NULL CHECK (kind IN ('create', 'edit', 'finalise', 'discard')),
      saved_at  TEXT NOT NULL,
      content   TEXT NOT NULL,
      PRIMARY KEY (record_id, revision)
    ) STRICT;

    CREATE TABLE addendum (
      id           TEXT PRIMARY KEY,
      record_id    TEXT NOT NULL REFERENCES call_record (id),
      created_at   TEXT NOT NULL,
      text         TEXT NOT NULL,
      content_hash TEXT NOT NULL
    ) STRICT;
    CREATE INDEX addendum_by_record ON addendum (record_id, created_at);

    -- Mutations of the sync protocol (shared/sync/protocol.ts) waiting to be pushed. seq is the
    -- protocol's per-client seq: AUTOINCREMENT never reuses a value, and a rolled-back change
    -- rolls back its number too, so it increases without gaps. payload is a MutationPayload.
    CREATE TABLE outbox (
      seq           INTEGER PRIMARY KEY AUTOINCREMENT,
      mutation_id   TEXT NOT NULL UNIQUE,
      record_id     TEXT NOT NULL REFERENCES call_record (id),
      kind          TEXT NOT NULL CHECK (kind IN ('upsert', 'finalise', 'addendum', 'discard')),
      payload       TEXT NOT NULL,
      base_revision INTEGER,
      desk_time     TEXT NOT NULL,
      attempts      INTEGER NOT NULL DEFAULT 0,
      state         TEXT NOT NULL DEFAULT 'pending'
    ) STRICT;
    CREATE INDEX outbox_by_record ON outbox (record_id, seq);
    CREATE INDEX outbox_by_state ON outbox (state, seq);

    -- A draft changed both here and on the server: both texts are kept until the clinician chooses.
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
    ) STRICT;

    -- Mutations the server rejected: shown to the clinician, never dropped.
    CREATE TABLE dead_letter (
      mutation_id TEXT PRIMARY KEY,
      seq         INTEGER NOT NULL,
      record_id   TEXT NOT NULL,
      kind        TEXT NOT NULL,
      payload     TEXT NOT NULL,
      reason      TEXT NOT NULL,
      failed_at   TEXT NOT NULL,
      resolved_at TEXT
    ) STRICT;

    -- Hash-chained audit trail (see audit/audit-log.ts). No patient data: ids, actions, revisions.
    CREATE TABLE audit (
      seq       INTEGER PRIMARY KEY AUTOINCREMENT,
      at        TEXT NOT NULL,
      action    TEXT NOT NULL,
      record_id TEXT,
      detail    TEXT NOT NULL,
      prev_mac  TEXT NOT NULL,
      mac       TEXT NOT NULL
    ) STRICT;

    -- Immutability in the database itself, so that no code path (or bug) can change history.
    -- Of a finalised or discarded record only base_revision may change (the sync engine records
    -- the server's revision).
    CREATE TRIGGER call_record_no_delete BEFORE DELETE ON call_record
    BEGIN SELECT RAISE(ABORT, 'call records are never deleted (discard a draft instead)'); END;

    CREATE TRIGGER call_record_finalised_immutable BEFORE UPDATE ON call_record
    WHEN OLD.status <> 'draft' AND (
      NEW.status IS NOT OLD.status OR NEW.content IS NOT OLD.content OR NEW.revision IS NOT OLD.revision
      OR NEW.content_hash IS NOT OLD.content_hash OR NEW.finalised_at IS NOT OLD.finalised_at
      OR NEW.discarded_at IS NOT OLD.discarded_at OR NEW.discard_reason IS NOT OLD.discard_reason
      OR NEW.id IS NOT OLD.id OR NEW.created_at IS NOT OLD.created_at OR NEW.updated_at IS NOT OLD.updated_at
      OR NEW.origin_client_id IS NOT OLD.origin_client_id)
    BEGIN SELECT RAISE(ABORT, 'a finalised or discarded call record cannot be changed (add an addendum)'); END;

    CREATE TRIGGER addendum_only_on_finalised BEFORE INSERT ON addendum
    WHEN (SELECT status FROM call_record WHERE id = NEW.record_id) IS NOT 'finalised'
    BEGIN SELECT RAISE(ABORT, 'addenda can only be added to finalised call records'); END;
    CREATE TRIGGER addendum_no_update BEFORE UPDATE ON addendum
    BEGIN SELECT RAISE(ABORT, 'addenda cannot be changed'); END;
    CREATE TRIGGER addendum_no_delete BEFORE DELETE ON addendum
    BEGIN SELECT RAISE(ABORT, 'addenda cannot be deleted'); END;

    CREATE TRIGGER call_revision_no_update BEFORE UPDATE ON call_revision
    BEGIN SELECT RAISE(ABORT, 'saved revisions cannot be changed'); END;
    CREATE TRIGGER call_revision_no_delete BEFORE DELETE ON call_revision
    BEGIN SELECT RAISE(ABORT, 'saved revisions cannot be deleted'); END;

    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
  `);
};
