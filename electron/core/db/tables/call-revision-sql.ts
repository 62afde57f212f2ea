import { preparedPerConnection } from './prepared';

/** desk.db's call_revision table: every version of every record (by this desk's local_revision), never changed (only claimed, once). */
export const callRevisionSql = preparedPerConnection((db) => ({
  /** insert(recordId, localRevision, kind, savedAt, content, authorId, unclaimed 0|1) */
  insert: db.prepare('INSERT INTO call_revision (record_id, local_revision, kind, saved_at, content, author_id, unclaimed) VALUES (?, ?, ?, ?, ?, ?, ?)'),
  /** history(recordId): revision, savedAt, kind, author_id (a RevisionInfo but its author), oldest first. */
  history: db.prepare('SELECT local_revision AS revision, saved_at AS savedAt, kind, author_id FROM call_revision WHERE record_id = ? ORDER BY local_revision'),
  /** authors(recordId): kind and author_id of each revision, oldest first. */
  authors: db.prepare('SELECT kind, author_id FROM call_revision WHERE record_id = ? ORDER BY local_revision'),
  /** claim(authorId, recordId): files the record's unclaimed revisions under the author. */
  claim: db.prepare('UPDATE call_revision SET author_id = ?, unclaimed = 0 WHERE record_id = ? AND unclaimed = 1'),
}));
