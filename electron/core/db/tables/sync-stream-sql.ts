import { preparedPerConnection } from './prepared';

/** desk.db's sync_stream table: one stream of changes per author (the protocol's clientId and its seqs). */
export const syncStreamSql = preparedPerConnection((db) => ({
  /** ofAuthor(authorId): the author's stream id, or undefined. */
  ofAuthor: db.prepare('SELECT id FROM sync_stream WHERE author_id = ? AND legacy = 0').pluck(),
  /** insert(id, authorId, createdAt) */
  insert: db.prepare('INSERT INTO sync_stream (id, author_id, created_at) VALUES (?, ?, ?)'),
  /** takeSeq(id): the stream's next seq, taken in the caller's transaction. */
  takeSeq: db.prepare('UPDATE sync_stream SET next_seq = next_seq + 1 WHERE id = ? RETURNING next_seq - 1 AS seq').pluck(),
  /** claimLegacy(authorId): the stream of changes queued before authors were recorded becomes theirs. */
  claimLegacy: db.prepare('UPDATE sync_stream SET author_id = ? WHERE legacy = 1 AND author_id IS NULL'),
  /**
   * claimThrough(seq, id): the stream's changes up to seq are handed to the network (autosave no
   * longer rewrites them), in a committed write before they are sent. One row, not one per change.
   */
  claimThrough: db.prepare('UPDATE sync_stream SET claimed_seq = max(claimed_seq, ?) WHERE id = ?'),
  /** setAcked(seq, id): the server has every change of the stream up to seq. */
  setAcked: db.prepare('UPDATE sync_stream SET acked_seq = max(acked_seq, ?) WHERE id = ?'),
}));
