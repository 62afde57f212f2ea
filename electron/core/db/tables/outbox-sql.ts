import { preparedPerConnection } from './prepared';

/** What the sync engine reads of an outbox entry to send it. */
const SENDABLE = 'seq, stream_seq, author_id, mutation_id, record_id, kind, payload, base_revision, desk_time';

/**
 * desk.db's outbox table: changes waiting for the server, in the order they were made (seq), each
 * in its author's stream (stream_id, stream_seq: the protocol's clientId and seq) once it has one.
 */
export const outboxSql = preparedPerConnection((db) => ({
  /** insert(mutationId, recordId, kind, payload, baseRevision, deskTime, authorId, streamId, streamSeq) */
  insert: db.prepare(
    'INSERT INTO outbox (mutation_id, record_id, kind, payload, base_revision, desk_time, author_id, stream_id, stream_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ),
  /** newestOfRecord(recordId): seq, kind, attempts, state, author_id of the record's newest entry. */
  newestOfRecord: db.prepare('SELECT seq, kind, attempts, state, author_id FROM outbox WHERE record_id = ? ORDER BY seq DESC LIMIT 1'),
  /** replacePayload(payload, baseRevision, deskTime, seq): an unsent upsert superseded by a newer draft. */
  replacePayload: db.prepare('UPDATE outbox SET payload = ?, base_revision = ?, desk_time = ? WHERE seq = ?'),
  /** unclaimedOf(recordIds as a JSON array): seq, record_id, stream_id of their unclaimed waiting entries, in order. */
  unclaimedOf: db.prepare(
    `SELECT o.seq, o.record_id, o.stream_id FROM outbox o JOIN json_each(?) ids ON ids.value = o.record_id
     WHERE o.author_id IS NULL AND o.state = 'pending' ORDER BY o.seq`,
  ),
  /** legacyRecords(): the records with unclaimed changes queued before authors were recorded. */
  legacyRecords: db.prepare(
    "SELECT DISTINCT o.record_id FROM outbox o JOIN sync_stream s ON s.id = o.stream_id WHERE s.legacy = 1 AND o.author_id IS NULL AND o.state = 'pending'",
  ).pluck(),
  /** claimIntoStream(authorId, streamId, streamSeq, seq) */
  claimIntoStream: db.prepare('UPDATE outbox SET author_id = ?, stream_id = ?, stream_seq = ? WHERE seq = ?'),
  /** claimInPlace(authorId, seq): an entry already in a stream (the legacy one). */
  claimInPlace: db.prepare('UPDATE outbox SET author_id = ? WHERE seq = ?'),
  /** countWaiting(): every change waiting. */
  countWaiting: db.prepare("SELECT count(*) FROM outbox WHERE state = 'pending'").pluck(),
  /** countWaitingInStream(streamId) */
  countWaitingInStream: db.prepare("SELECT count(*) FROM outbox WHERE stream_id = ? AND state = 'pending'").pluck(),
  /** countWaitingBy(authorId, null: unclaimed) */
  countWaitingBy: db.prepare("SELECT count(*) FROM outbox WHERE author_id IS ? AND state = 'pending'").pluck(),
  /** countUnclaimedOfRecord(recordId) */
  countUnclaimedOfRecord: db.prepare("SELECT count(*) FROM outbox WHERE record_id = ? AND author_id IS NULL AND state = 'pending'").pluck(),
  /** recordHasWaiting(recordId): 1, or undefined. */
  recordHasWaiting: db.prepare("SELECT 1 FROM outbox WHERE record_id = ? AND state = 'pending' LIMIT 1").pluck(),
  /** streamsWaiting(): streamId, authorId, waiting, the stream with the oldest change first. */
  streamsWaiting: db.prepare(
    "SELECT stream_id AS streamId, author_id AS authorId, count(*) AS waiting FROM outbox WHERE state = 'pending' AND author_id IS NOT NULL AND stream_id IS NOT NULL GROUP BY stream_id, author_id ORDER BY min(seq)",
  ),
  /** waitingByAuthor(): authorId (null: unclaimed), waiting, the author of the oldest change first. */
  waitingByAuthor: db.prepare("SELECT author_id AS authorId, count(*) AS waiting FROM outbox WHERE state = 'pending' GROUP BY author_id ORDER BY min(seq)"),
  /** waitingByAuthorAndRecord(): per author and record, the changes waiting and since when, in the order made. */
  waitingByAuthorAndRecord: db.prepare(`SELECT o.author_id, o.record_id, max(o.kind = 'report') AS is_report, count(*) AS changes, min(o.desk_time) AS since,
      max(coalesce(st.legacy, 0)) AS legacy
    FROM outbox o LEFT JOIN sync_stream st ON st.id = o.stream_id
    WHERE o.state = 'pending' GROUP BY o.author_id, o.record_id ORDER BY min(o.seq)`),
  /** oldestInStream(streamId, limit): the stream's oldest sendable entries. */
  oldestInStream: db.prepare(`SELECT ${SENDABLE} FROM outbox WHERE stream_id = ? AND author_id IS NOT NULL AND state = 'pending' ORDER BY stream_seq LIMIT ?`),
  /** byStreamSeq(streamId, streamSeq) */
  byStreamSeq: db.prepare(`SELECT ${SENDABLE} FROM outbox WHERE stream_id = ? AND stream_seq = ?`),
  /** countAttempt(streamId, fromStreamSeq, toStreamSeq): counted in a committed write before they are sent. */
  countAttempt: db.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE stream_id = ? AND stream_seq BETWEEN ? AND ?'),
  /** remove(seq): a settled entry. */
  remove: db.prepare('DELETE FROM outbox WHERE seq = ?'),
}));
