import type Database from 'better-sqlite3-multiple-ciphers';
import type { AuthorQueue, WaitingGroup, WaitingRecord } from '../../../shared/contract';
import type { CallStatus } from '../../../shared/domain/call-record';
import { REPORT_KIND_LABELS, type ReportKind } from '../../../shared/domain/directory-quality';
import { toCallSummary, type SummaryRow } from '../calls/call-rows';
import { callRecordSql } from '../db/tables/call-record-sql';
import { outboxSql } from '../db/tables/outbox-sql';

interface Row {
  author_id: string | null;
  record_id: string;
  is_report: number;
  changes: number;
  since: string;
  legacy: number;
}

/**
 * The view behind "N changes by X wait for X to sign in on this desk": each author's waiting
 * changes (the queue states come from the sync engine) with the records they belong to, named as
 * the list of calls names them (who called, when; no clinical detail).
 */
export class WaitingChanges {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      rows: outboxSql(db).waitingByAuthorAndRecord,
      summary: callRecordSql(db).summary,
      report: db.prepare('SELECT service_name, kind, reported_at FROM problem_report WHERE id = ?'),
    };
  }

  groups(queues: readonly AuthorQueue[]): WaitingGroup[] {
    const rows = this.s.rows.all() as Row[];
    return queues.map((q) => ({
      ...q,
      records: rows
        .filter((r) => r.author_id === (q.author?.userId ?? null))
        .map((r): WaitingRecord => {
          if (r.is_report) {
            const report = this.s.report.get(r.record_id) as { service_name: string; kind: ReportKind; reported_at: string };
            return {
              recordId: r.record_id, status: 'finalised', callerLabel: `Report: ${report.service_name}`, startedAt: report.reported_at, changes: r.changes, since: r.since,
              queuedBeforeAuthors: false, report: `Report: ${report.service_name} — ${REPORT_KIND_LABELS[report.kind]}`,
            };
          }
          const summary = toCallSummary(this.s.summary.get(r.record_id) as SummaryRow);
          return {
            recordId: r.record_id,
            status: summary.status as CallStatus,
            callerLabel: summary.callerLabel,
            startedAt: summary.startedAt,
            changes: r.changes,
            since: r.since,
            queuedBeforeAuthors: r.legacy === 1,
          };
        }),
    }));
  }
}
