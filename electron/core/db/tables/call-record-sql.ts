import { preparedPerConnection } from './prepared';

/**
 * The columns of a call's summary for the list of calls, read with json_extract so names and notes
 * never leave SQLite.
 */
export const SUMMARY_COLUMNS = `id, status, local_revision, updated_at, created_by,
  (SELECT display_name FROM person WHERE user_id = call_record.created_by) AS created_by_name,
  json_extract(content, '$.startedAt') AS started_at,
  json_extract(content, '$.caller.anonymous') AS caller_anonymous,
  json_extract(content, '$.caller.type') AS caller_type,
  json_extract(content, '$.outcome.code') AS outcome_code,
  json_extract(content, '$.callback.dueAt') AS callback_due_at,
  (json_extract(content, '$.callback.required') = 1 AND json_extract(content, '$.callback.completedAt') IS NULL
    AND NOT EXISTS (SELECT 1 FROM call_addendum a WHERE a.record_id = call_record.id AND a.callback_made_at IS NOT NULL)) AS callback_outstanding`;

/**
 * desk.db's call_record table. local_revision is this desk's count of the record's versions (the
 * screen's revision, as in a conflict's local_revision); base_revision the server's revision the
 * desk last based it on (the protocol's baseRevision; on the server, call_record.revision).
 */
export const callRecordSql = preparedPerConnection((db) => ({
  /** byId(id): the CallRow. */
  byId: db.prepare('SELECT * FROM call_record WHERE id = ?'),
  /** status(id) */
  status: db.prepare('SELECT status FROM call_record WHERE id = ?').pluck(),
  /** revisionAndContent(id): local_revision and content, as a conflict keeps them. */
  revisionAndContent: db.prepare('SELECT local_revision, content FROM call_record WHERE id = ?'),
  /** A draft started on this desk (a CallRow's named fields). */
  insertDraft: db.prepare(
    `INSERT INTO call_record (id, status, local_revision, origin_client_id, created_at, updated_at, content, created_by)
     VALUES (@id, 'draft', 1, @origin_client_id, @created_at, @updated_at, @content, @created_by)`,
  ),
  /** A record first seen in a pull (every column of a CallRow). */
  insertPulled: db.prepare(`INSERT INTO call_record (id, status, local_revision, base_revision, origin_client_id, created_at, updated_at, finalised_at,
    discarded_at, discard_reason, content_hash, content, created_by) VALUES (@id, @status, @local_revision, @base_revision, @origin_client_id, @created_at,
    @updated_at, @finalised_at, @discarded_at, @discard_reason, @content_hash, @content, @created_by)`),
  /** A change to a draft made on this desk (changes 0 rows when it is no longer a draft). */
  updateDraft: db.prepare(
    `UPDATE call_record SET status = @status, local_revision = @local_revision, updated_at = @updated_at, content = @content,
       content_hash = @content_hash, finalised_at = @finalised_at, discarded_at = @discarded_at, discard_reason = @discard_reason
     WHERE id = @id AND status = 'draft'`,
  ),
  /** A draft replaced by the server's later version, with that version's revision as its base. */
  updateDraftFromServer: db.prepare(`UPDATE call_record SET status = @status, local_revision = @local_revision, base_revision = @base_revision, updated_at = @updated_at,
    finalised_at = @finalised_at, discarded_at = @discarded_at, discard_reason = @discard_reason, content_hash = @content_hash, content = @content
    WHERE id = @id AND status = 'draft'`),
  /** setBaseRevision(serverRevision, id): the server's revision the record now continues from. */
  setBaseRevision: db.prepare('UPDATE call_record SET base_revision = ? WHERE id = ?'),
  /** setCreatedByIfUnknown(userId, id): who started it, once known (claimed, or learnt from the server); never changed after. */
  setCreatedByIfUnknown: db.prepare('UPDATE call_record SET created_by = ? WHERE id = ? AND created_by IS NULL'),
  /** summary(id): a SummaryRow. */
  summary: db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM call_record WHERE id = ?`),
  /** list(statuses as a JSON array, limit): SummaryRows for the list of calls. */
  list: db.prepare(
    `SELECT ${SUMMARY_COLUMNS} FROM call_record
     WHERE status IN (SELECT value FROM json_each(?))
     ORDER BY status = 'draft' DESC, callback_outstanding DESC, updated_at DESC, id DESC LIMIT ?`,
  ),
}));
