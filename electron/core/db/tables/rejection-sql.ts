import { preparedPerConnection } from './prepared';

/** desk.db's rejected_change table: changes the server refused, kept for good and shown until acknowledged. */
export const rejectionSql = preparedPerConnection((db) => ({
  /** insert(mutationId, seq, recordId, kind, payload, reason, failedAt, authorId): once per mutation. */
  insert: db.prepare('INSERT OR IGNORE INTO rejected_change (mutation_id, seq, record_id, kind, payload, reason, failed_at, author_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
  /** list(includeAcknowledged 0|1): RejectionRows, with the service and kind of a refused report, in the order queued. */
  list: db.prepare(`SELECT d.mutation_id, d.record_id, d.author_id, d.kind, d.reason, d.failed_at, d.resolved_at, p.service_name, p.kind AS report_kind
    FROM rejected_change d LEFT JOIN problem_report p ON d.kind = 'report' AND p.id = d.record_id WHERE d.resolved_at IS NULL OR ? ORDER BY d.seq`),
  /** acknowledge(at, mutationId): changes 0 rows when there is no such unacknowledged rejection. */
  acknowledge: db.prepare('UPDATE rejected_change SET resolved_at = ? WHERE mutation_id = ? AND resolved_at IS NULL'),
  /** countOpen() */
  countOpen: db.prepare('SELECT count(*) FROM rejected_change WHERE resolved_at IS NULL').pluck(),
}));
