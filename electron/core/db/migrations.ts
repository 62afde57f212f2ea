import type Database from 'better-sqlite3-multiple-ciphers';

/**
 * desk.db's schema, as numbered steps: MIGRATIONS[i] takes the database from version i to i + 1
 * (PRAGMA user_version). Steps are never edited once released, only appended; after the first
 * release, steps touching synced tables may only add (DESIGN.md §4).
 */
export type Migration = (db: Database.Database) => void;

/** Keys of the meta table. */
export const META_KEYS = {
  /** The install's id; since migration 4 the stream of changes queued before authors were recorded. */
  clientId: 'client_id',
  /** Until migration 4: the last seq the server acknowledged (now sync_stream.acked_seq). */
  lastAckedSeq: 'sync.last_acked_seq',
  /** Until migration 4, for whoever was signed in; since, one per user (recordsCursorOf). */
  recordsCursor: 'sync.records_cursor',
  /** Who is using the desk (JSON DeskUser), kept across restarts until they sign out. */
  deskUser: 'session.desk_user',
  /** The call record open on this desk's screen, so a restart (or a fresh tab) reopens it. */
  openCall: 'desk.open_call',
  /** When a page of pulled records was last applied: "team records as of". */
  recordsPulledAt: 'sync.records_pulled_at',
} as const;

/** Where a user's pull continues: each user may see other records, so each has a cursor of their own. */
export const recordsCursorOf = (userId: string) => `sync.records_cursor.${userId}`;

const v1CallRecords: Migration = (db) => {
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

/** An addendum can record the callback a finalised record asked for as made. */
const v2CallbackMadeByAddendum: Migration = (db) => {
  db.exec('ALTER TABLE addendum ADD COLUMN callback_made_at TEXT');
};

/**
 * Shift summaries on a team lead's desk (electron/core/summaries): the team and clinician the
 * server filed each pulled record under, and the server's time of its last change; the team
 * context last fetched per team; records found by when their call started.
 */
const v3ShiftSummaries: Migration = (db) => {
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

/**
 * Who made each change (DESIGN.md §5). Every revision, addendum and outbox entry records its author
 * (the desk's signed-in user), or is unclaimed: made while nobody was signed in, held until someone
 * says it was theirs. Each author's changes go to the server in a sync stream of their own (the
 * protocol's clientId and seq), so a desk used by several people in turn never sends one person's
 * changes under another's session. Changes queued before this step keep the desk's first client id
 * as their stream (the server knows it under whoever used the desk then), unclaimed until someone
 * claims them all.
 */
const v4WhoMadeEachChange: Migration = (db) => {
  db.exec(`
    -- People who signed in on this desk, or whose changes it pulled: the names shown beside their changes.
    CREATE TABLE person (
      user_id      TEXT PRIMARY KEY,
      display_name TEXT NOT NULL,
      updated_at   TEXT NOT NULL
    ) STRICT;

    -- One stream per author (legacy = 1: the changes queued before authors were recorded).
    -- next_seq is the seq the author's next change gets: it is taken in the transaction of that
    -- change, so a rolled-back change gives its number back and a stream has no gaps.
    CREATE TABLE sync_stream (
      id         TEXT PRIMARY KEY,
      author_id  TEXT,
      legacy     INTEGER NOT NULL DEFAULT 0 CHECK (legacy IN (0, 1)),
      next_seq   INTEGER NOT NULL DEFAULT 1,
      acked_seq  INTEGER NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL,
      CHECK (legacy = 1 OR author_id IS NOT NULL)
    ) STRICT;
    CREATE UNIQUE INDEX sync_stream_of_author ON sync_stream (author_id) WHERE legacy = 0;

    -- author_id NULL: unclaimed. stream_id and stream_seq are the protocol's clientId and seq; an
    -- unclaimed change gets them when it is claimed (outbox.seq keeps the order changes were made in).
    ALTER TABLE outbox ADD COLUMN author_id TEXT;
    ALTER TABLE outbox ADD COLUMN stream_id TEXT REFERENCES sync_stream (id);
    ALTER TABLE outbox ADD COLUMN stream_seq INTEGER;
    CREATE UNIQUE INDEX outbox_by_stream ON outbox (stream_id, stream_seq);
    CREATE INDEX outbox_by_author ON outbox (author_id, state);

    -- created_by: who started the record (NULL: unclaimed, or not recorded); only they change a draft.
    ALTER TABLE call_record ADD COLUMN created_by TEXT;
    -- unclaimed = 1: made while nobody was signed in; author_id NULL with unclaimed = 0: not recorded.
    ALTER TABLE call_revision ADD COLUMN author_id TEXT;
    ALTER TABLE call_revision ADD COLUMN unclaimed INTEGER NOT NULL DEFAULT 0 CHECK (unclaimed IN (0, 1));
    ALTER TABLE addendum ADD COLUMN author_id TEXT;
    ALTER TABLE addendum ADD COLUMN unclaimed INTEGER NOT NULL DEFAULT 0 CHECK (unclaimed IN (0, 1));
    ALTER TABLE conflict ADD COLUMN author_id TEXT;
    ALTER TABLE dead_letter ADD COLUMN author_id TEXT;

    -- History still never changes, except that an unclaimed revision or addendum is claimed, once,
    -- by the person who says they made it (audited).
    DROP TRIGGER call_revision_no_update;
    CREATE TRIGGER call_revision_no_update BEFORE UPDATE ON call_revision
    WHEN NOT (OLD.unclaimed = 1 AND NEW.unclaimed = 0 AND OLD.author_id IS NULL AND NEW.author_id IS NOT NULL
      AND NEW.record_id IS OLD.record_id AND NEW.revision IS OLD.revision AND NEW.kind IS OLD.kind
      AND NEW.saved_at IS OLD.saved_at AND NEW.content IS OLD.content)
    BEGIN SELECT RAISE(ABORT, 'saved revisions cannot be changed'); END;
    DROP TRIGGER addendum_no_update;
    CREATE TRIGGER addendum_no_update BEFORE UPDATE ON addendum
    WHEN NOT (OLD.unclaimed = 1 AND NEW.unclaimed = 0 AND OLD.author_id IS NULL AND NEW.author_id IS NOT NULL
      AND NEW.id IS OLD.id AND NEW.record_id IS OLD.record_id AND NEW.created_at IS OLD.created_at AND NEW.text IS OLD.text
      AND NEW.content_hash IS OLD.content_hash AND NEW.callback_made_at IS OLD.callback_made_at)
    BEGIN SELECT RAISE(ABORT, 'addenda cannot be changed'); END;
    CREATE TRIGGER call_record_created_by_fixed BEFORE UPDATE OF created_by ON call_record
    WHEN OLD.created_by IS NOT NULL AND NEW.created_by IS NOT OLD.created_by
    BEGIN SELECT RAISE(ABORT, 'who started a call record never changes'); END;
  `);
  const clientId = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(META_KEYS.clientId) as string | undefined;
  if (clientId) {
    const acked = Number(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(META_KEYS.lastAckedSeq) ?? 0);
    const highest = (db.prepare('SELECT max(seq) FROM outbox').pluck().get() as number | null) ?? acked;
    db.prepare("INSERT INTO sync_stream (id, author_id, legacy, next_seq, acked_seq, created_at) VALUES (?, NULL, 1, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ'))").run(
      clientId,
      Math.max(highest, acked) + 1,
      acked,
    );
    db.prepare('UPDATE outbox SET stream_id = ?, stream_seq = seq').run(clientId);
  }
};

/**
 * The callbacks a shift may owe from before it: the index carries each candidate's status and id,
 * so the summary checks "not discarded" and "not made by an addendum" without reading the record
 * itself (a month of a team held 2,196 callbacks not closed in the record, of which 137 were still
 * owed: reading each record to find those took 30–45 ms of a 60 ms summary; 2 ms with this index).
 * It replaces the narrower index of migration 3, which it makes redundant.
 */
const v5CallbacksOwedIndex: Migration = (db) => {
  db.exec(`
    DROP INDEX IF EXISTS call_record_callback_open;
    CREATE INDEX call_record_callback_owed ON call_record (julianday(json_extract(content, '$.startedAt')), status, id)
      WHERE json_extract(content, '$.callback.required') = 1 AND json_extract(content, '$.callback.completedAt') IS NULL;
  `);
};

/**
 * Clinicians' reports of problems with directory services. A report is a change like
 * any other: kept here, queued in the outbox in the same transaction (kind 'report', record_id the
 * report's id) and sent in its author's stream. The outbox is rebuilt because its record_id was a
 * foreign key to call_record and its kinds a fixed list; triggers keep what the foreign key kept
 * (every queued change names a record, or a report, that exists). Rows, seqs and the AUTOINCREMENT
 * high-water mark are kept as they were.
 */
const v6ProblemReports: Migration = (db) => {
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

export const MIGRATIONS: readonly Migration[] = [v1CallRecords, v2CallbackMadeByAddendum, v3ShiftSummaries, v4WhoMadeEachChange, v5CallbacksOwedIndex, v6ProblemReports];

/** The schema version this code writes: the number of migrations it knows. */
export const DESK_SCHEMA_VERSION = MIGRATIONS.length;

export function readSchemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Runs every pending step, and records the new version, in one transaction: a failure leaves
 * the database exactly as it was. The caller has already refused a version newer than the list.
 */
export function runMigrations(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const from = readSchemaVersion(db);
  if (from >= migrations.length) return from;
  db.transaction(() => {
    for (let version = from; version < migrations.length; version++) migrations[version]!(db);
    db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
  return migrations.length;
}
