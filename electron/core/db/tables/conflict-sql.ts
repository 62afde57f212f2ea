import { preparedPerConnection } from './prepared';

const VIEW = `SELECT c.id, c.record_id, c.author_id, r.status AS record_status, c.detected_at, c.local_revision, c.local_content, c.server_revision, c.server_content
  FROM conflict c JOIN call_record r ON r.id = c.record_id`;

/** desk.db's conflict table: a draft changed both here and on the server, both texts kept until the clinician chooses. */
export const conflictSql = preparedPerConnection((db) => ({
  /** open(): ConflictRows not yet resolved, oldest first. */
  open: db.prepare(`${VIEW} WHERE c.resolved_at IS NULL ORDER BY c.detected_at`),
  /** openById(id): the ConflictRow, while unresolved. */
  openById: db.prepare(`${VIEW} WHERE c.id = ? AND c.resolved_at IS NULL`),
  /** openOfRecord(recordId): { id } of the record's open conflict (one at most). */
  openOfRecord: db.prepare('SELECT id FROM conflict WHERE record_id = ? AND resolved_at IS NULL'),
  /** recordHasOpen(recordId): 1, or undefined. */
  recordHasOpen: db.prepare('SELECT 1 FROM conflict WHERE record_id = ? AND resolved_at IS NULL LIMIT 1').pluck(),
  /** countOpen() */
  countOpen: db.prepare('SELECT count(*) FROM conflict WHERE resolved_at IS NULL').pluck(),
  /** insert(id, recordId, mutationId, detectedAt, localRevision, localContent, serverRevision, serverContent, authorId) */
  insert: db.prepare(
    'INSERT INTO conflict (id, record_id, mutation_id, detected_at, local_revision, local_content, server_revision, server_content, author_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ),
  /** refresh(mutationId, detectedAt, localRevision, localContent, serverRevision, serverContent, authorId, id): a later conflicting change. */
  refresh: db.prepare(
    'UPDATE conflict SET mutation_id = ?, detected_at = ?, local_revision = ?, local_content = ?, server_revision = ?, server_content = ?, author_id = ? WHERE id = ?',
  ),
  /** refreshTheirs(serverRevision, serverContent, recordId, serverRevision): a newer server draft pulled while the conflict is open. */
  refreshTheirs: db.prepare('UPDATE conflict SET server_revision = ?, server_content = ? WHERE record_id = ? AND resolved_at IS NULL AND server_revision < ?'),
  /** resolve(resolvedAt, resolution, id) */
  resolve: db.prepare('UPDATE conflict SET resolved_at = ?, resolution = ? WHERE id = ?'),
}));
