import { preparedPerConnection } from './prepared';

/** desk.db's call_addendum table: notes added to finalised records, never changed (only claimed, once). */
export const callAddendumSql = preparedPerConnection((db) => ({
  /** ofRecord(recordId): AddendumRows, oldest first. */
  ofRecord: db.prepare('SELECT * FROM call_addendum WHERE record_id = ? ORDER BY created_at, id'),
  /** insert(id, recordId, createdAt, text, contentHash, callbackMadeAt, authorId, unclaimed 0|1) */
  insert: db.prepare(
    'INSERT INTO call_addendum (id, record_id, created_at, text, content_hash, callback_made_at, author_id, unclaimed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  ),
  /** insertIfNew(id, recordId, createdAt, text, contentHash, callbackMadeAt, authorId): an addendum pulled from the server (again, perhaps). */
  insertIfNew: db.prepare(
    'INSERT OR IGNORE INTO call_addendum (id, record_id, created_at, text, content_hash, callback_made_at, author_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ),
  /** claim(authorId, recordId): files the record's unclaimed addenda under the author. */
  claim: db.prepare('UPDATE call_addendum SET author_id = ?, unclaimed = 0 WHERE record_id = ? AND unclaimed = 1'),
}));
