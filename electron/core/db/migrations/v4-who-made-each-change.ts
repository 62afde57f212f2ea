import type { Migration } from './migration';

/**
 * Who made each change (DESIGN.md §5). Every revision, addendum and outbox entry records its author
 * (the desk's signed-in user), or is unclaimed: made while nobody was signed in, held until someone
 * says it was theirs. Each author's changes go to the server in a sync stream of their own (the
 * protocol's clientId and seq), so a desk used by several people in turn never sends one person's
 * changes under another's session. Changes queued before this step keep the desk's first client id
 * as their stream (the server knows it under whoever used the desk then), unclaimed until someone
 * claims them all.
 */
export const v4WhoMadeEachChange: Migration = (db) => {
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
  // Meta keys as they were named at this step (not META_KEYS, which follows today's schema).
  const clientId = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('client_id') as string | undefined;
  if (clientId) {
    const acked = Number(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('sync.last_acked_seq') ?? 0);
    const highest = (db.prepare('SELECT max(seq) FROM outbox').pluck().get() as number | null) ?? acked;
    db.prepare("INSERT INTO sync_stream (id, author_id, legacy, next_seq, acked_seq, created_at) VALUES (?, NULL, 1, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ'))").run(
      clientId,
      Math.max(highest, acked) + 1,
      acked,
    );
    db.prepare('UPDATE outbox SET stream_id = ?, stream_seq = seq').run(clientId);
  }
};
