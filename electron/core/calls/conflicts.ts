import type Database from 'better-sqlite3-multiple-ciphers';
import { CoreError, type ConflictView, type ParsedParamsOf, type RejectionView } from '../../../shared/contract';
import { DraftContent, type CallStatus } from '../../../shared/domain/call-record';
import { REPORT_KIND_LABELS, type ReportKind } from '../../../shared/domain/directory-quality';
import type { AuditLog } from '../audit/audit-log';
import type { Authorship, CallStore } from './call-store';

interface ConflictRow {
  id: string;
  record_id: string;
  author_id: string | null;
  record_status: CallStatus;
  detected_at: string;
  local_revision: number;
  local_content: string;
  server_revision: number;
  server_content: string;
}

interface RejectionRow {
  mutation_id: string;
  record_id: string;
  author_id: string | null;
  kind: RejectionView['kind'];
  reason: string;
  failed_at: string;
  resolved_at: string | null;
  service_name: string | null;
  report_kind: ReportKind | null;
}

/**
 * Conflicts (this desk and another changed the same draft) and rejections (the server rejected a
 * change), as the clinician sees and settles them. Both texts of a conflict are kept until the
 * clinician chooses; a rejection is kept for good and only marked as seen.
 */
export class SyncIssues {
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly calls: CallStore,
    private readonly audit: AuditLog,
    private readonly now: () => Date,
    private readonly authors: Authorship,
  ) {
    this.s = {
      open: db.prepare(`SELECT c.id, c.record_id, c.author_id, r.status AS record_status, c.detected_at, c.local_revision, c.local_content, c.server_revision, c.server_content
        FROM conflict c JOIN call_record r ON r.id = c.record_id WHERE c.resolved_at IS NULL ORDER BY c.detected_at`),
      one: db.prepare(`SELECT c.id, c.record_id, c.author_id, r.status AS record_status, c.detected_at, c.local_revision, c.local_content, c.server_revision, c.server_content
        FROM conflict c JOIN call_record r ON r.id = c.record_id WHERE c.id = ? AND c.resolved_at IS NULL`),
      resolve: db.prepare('UPDATE conflict SET resolved_at = ?, resolution = ? WHERE id = ?'),
      setBase: db.prepare('UPDATE call_record SET base_revision = ? WHERE id = ?'),
      record: db.prepare('SELECT revision, content FROM call_record WHERE id = ?'),
      rejections: db.prepare(`SELECT d.mutation_id, d.record_id, d.author_id, d.kind, d.reason, d.failed_at, d.resolved_at, p.service_name, p.kind AS report_kind
        FROM dead_letter d LEFT JOIN problem_report p ON d.kind = 'report' AND p.id = d.record_id WHERE d.resolved_at IS NULL OR ? ORDER BY d.seq`),
      acknowledge: db.prepare('UPDATE dead_letter SET resolved_at = ? WHERE mutation_id = ? AND resolved_at IS NULL'),
      counts: db.prepare('SELECT (SELECT count(*) FROM conflict WHERE resolved_at IS NULL) AS conflicts, (SELECT count(*) FROM dead_letter WHERE resolved_at IS NULL) AS rejected'),
    };
  }

  counts(): { conflicts: number; rejected: number } {
    return this.s.counts.get() as { conflicts: number; rejected: number };
  }

  conflicts(): ConflictView[] {
    return (this.s.open.all() as ConflictRow[]).map((r) => toConflictView(r, this.authors.author(r.author_id)));
  }

  /**
   * Settles a conflict. Whatever the choice, the record continues from the server's revision, so
   * the version sent next is applied rather than conflicting again.
   */
  resolve(p: ParsedParamsOf<'sync.resolveConflict'>): ConflictView[] {
    this.db
      .transaction(() => {
        const row = this.s.one.get(p.id) as ConflictRow | undefined;
        if (!row) throw new CoreError('not_found', 'This conflict has already been resolved, or does not exist.');
        const server = row.server_content === 'null' ? null : DraftContent.parse(JSON.parse(row.server_content));
        if (row.record_status !== 'draft' && p.choice !== 'keep_mine') {
          throw new CoreError('record_finalised', 'This record is already final on this desk, so only “keep mine” is possible: the server will be sent this desk’s version.');
        }
        if (p.choice === 'keep_theirs' && !server) throw new CoreError('invalid_params', 'The server sent no version to keep.', [{ field: 'choice', message: 'Nothing to keep' }]);
        if (p.choice === 'merged' && !p.content) throw new CoreError('invalid_params', 'Give the merged text.', [{ field: 'content', message: 'Required when merging' }]);

        this.s.setBase.run(row.server_revision, row.record_id);
        const chosen = p.choice === 'keep_theirs' ? server! : p.choice === 'merged' ? p.content! : null;
        // Saving the chosen text queues it; when it equals what the desk already has (or the desk
        // keeps its own), the current version is queued again on the server's revision instead.
        let queued = false;
        // Whoever resolves must be the record's author (save and requeue refuse anyone else).
        if (chosen) {
          const current = this.s.record.get(row.record_id) as { revision: number; content: string };
          queued = this.calls.save({ id: row.record_id, revision: current.revision, content: chosen, authorId: p.authorId }).revision !== current.revision;
        }
        if (!queued) this.calls.requeue(row.record_id, p.authorId);
        this.s.resolve.run(this.now().toISOString(), p.choice, row.id);
        this.audit.append({ action: 'edit', recordId: row.record_id, detail: { conflictResolved: p.choice, serverRevision: row.server_revision, author: this.authors.authorId() } });
      })
      .immediate();
    return this.conflicts();
  }

  rejections(includeAcknowledged = false): RejectionView[] {
    return (this.s.rejections.all(includeAcknowledged ? 1 : 0) as RejectionRow[]).map((r) => ({
      mutationId: r.mutation_id,
      recordId: r.record_id,
      author: this.authors.author(r.author_id),
      kind: r.kind,
      reason: r.reason,
      failedAt: r.failed_at,
      acknowledgedAt: r.resolved_at,
      ...(r.kind === 'report' && r.service_name && r.report_kind ? { label: `Report: ${r.service_name} — ${REPORT_KIND_LABELS[r.report_kind]}` } : {}),
    }));
  }

  acknowledgeRejection(mutationId: string): RejectionView[] {
    if (this.s.acknowledge.run(this.now().toISOString(), mutationId).changes === 0) {
      throw new CoreError('not_found', 'There is no unacknowledged rejection with this id.');
    }
    return this.rejections();
  }
}

function toConflictView(r: ConflictRow, author: ConflictView['author']): ConflictView {
  return {
    id: r.id,
    recordId: r.record_id,
    author,
    recordStatus: r.record_status,
    detectedAt: r.detected_at,
    localRevision: r.local_revision,
    localContent: DraftContent.parse(JSON.parse(r.local_content)),
    serverRevision: r.server_revision,
    serverContent: r.server_content === 'null' ? null : DraftContent.parse(JSON.parse(r.server_content)),
  };
}
