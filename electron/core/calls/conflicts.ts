import type Database from 'better-sqlite3-multiple-ciphers';
import { CoreError, type ConflictView, type ParsedParamsOf, type RejectionView } from '../../../shared/contract';
import { DraftContent, type CallStatus } from '../../../shared/domain/call-record';
import { REPORT_KIND_LABELS, type ReportKind } from '../../../shared/domain/directory-quality';
import type { AuditLog } from '../audit/audit-log';
import { callRecordSql } from '../db/tables/call-record-sql';
import { conflictSql } from '../db/tables/conflict-sql';
import { rejectionSql } from '../db/tables/rejection-sql';
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
  private readonly conflictSql;
  private readonly rejectionSql;
  private readonly recordSql;

  constructor(
    private readonly db: Database.Database,
    private readonly calls: CallStore,
    private readonly audit: AuditLog,
    private readonly now: () => Date,
    private readonly authors: Authorship,
  ) {
    this.conflictSql = conflictSql(db);
    this.rejectionSql = rejectionSql(db);
    this.recordSql = callRecordSql(db);
  }

  counts(): { conflicts: number; rejected: number } {
    return { conflicts: this.conflictSql.countOpen.get() as number, rejected: this.rejectionSql.countOpen.get() as number };
  }

  conflicts(): ConflictView[] {
    return (this.conflictSql.open.all() as ConflictRow[]).map((r) => toConflictView(r, this.authors.author(r.author_id)));
  }

  /**
   * Settles a conflict. Whatever the choice, the record continues from the server's revision, so
   * the version sent next is applied rather than conflicting again.
   */
  resolve(p: ParsedParamsOf<'sync.resolveConflict'>): ConflictView[] {
    this.db
      .transaction(() => {
        const row = this.conflictSql.openById.get(p.id) as ConflictRow | undefined;
        if (!row) throw new CoreError('not_found', 'This conflict has already been resolved, or does not exist.');
        const server = row.server_content === 'null' ? null : DraftContent.parse(JSON.parse(row.server_content));
        if (row.record_status !== 'draft' && p.choice !== 'keep_mine') {
          throw new CoreError('record_finalised', 'This record is already final on this desk, so only “keep mine” is possible: the server will be sent this desk’s version.');
        }
        if (p.choice === 'keep_theirs' && !server) throw new CoreError('invalid_params', 'The server sent no version to keep.', [{ field: 'choice', message: 'Nothing to keep' }]);
        if (p.choice === 'merged' && !p.content) throw new CoreError('invalid_params', 'Give the merged text.', [{ field: 'content', message: 'Required when merging' }]);

        this.recordSql.setBaseRevision.run(row.server_revision, row.record_id);
        const chosen = p.choice === 'keep_theirs' ? server! : p.choice === 'merged' ? p.content! : null;
        // Saving the chosen text queues it; when it equals what the desk already has (or the desk
        // keeps its own), the current version is queued again on the server's revision instead.
        let queued = false;
        // Whoever resolves must be the record's author (save and requeue refuse anyone else).
        if (chosen) {
          const current = this.recordSql.revisionAndContent.get(row.record_id) as { local_revision: number; content: string };
          queued = this.calls.save({ id: row.record_id, revision: current.local_revision, content: chosen, authorId: p.authorId }).revision !== current.local_revision;
        }
        if (!queued) this.calls.requeue(row.record_id, p.authorId);
        this.conflictSql.resolve.run(this.now().toISOString(), p.choice, row.id);
        this.audit.append({ action: 'edit', recordId: row.record_id, detail: { conflictResolved: p.choice, serverRevision: row.server_revision, author: this.authors.authorId() } });
      })
      .immediate();
    return this.conflicts();
  }

  rejections(includeAcknowledged = false): RejectionView[] {
    return (this.rejectionSql.list.all(includeAcknowledged ? 1 : 0) as RejectionRow[]).map((r) => ({
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
    if (this.rejectionSql.acknowledge.run(this.now().toISOString(), mutationId).changes === 0) {
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
