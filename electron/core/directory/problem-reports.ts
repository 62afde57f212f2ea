import type Database from 'better-sqlite3-multiple-ciphers';
import { v7 as uuidv7 } from 'uuid';
import { CoreError, type ParsedParamsOf } from '../../../shared/contract';
import type { DirectoryService } from '../../../shared/domain/directory';
import { REPORT_KIND_LABELS, type ReportKind, type ServiceReport } from '../../../shared/domain/directory-quality';
import type { DirectoryProblemReport } from '../../../shared/lib/shift-summary';
import type { AuditLog } from '../audit/audit-log';
import { Outbox } from '../calls/outbox';

/** Who reports: the desk user (a report is published to the trust, so it is always somebody's). */
export interface Reporter {
  authorId(): string | null;
  teamId(): string | null;
}

interface ReportRow {
  id: string;
  service_id: string;
  service_name: string;
  kind: ReportKind;
  note: string | null;
  phone: string | null;
  reported_at: string;
  author_id: string;
  team_id: string | null;
  state: 'queued' | 'sent' | 'refused';
  acked_at: string | null;
  published_version: number | null;
}

/**
 * When the server took a report but did not say which directory version carries it (its publish
 * failed and waits for the next), the reporting desk keeps showing its own copy this long.
 */
const UNPUBLISHED_GRACE_MS = 24 * 3_600_000;

/**
 * Clinicians' reports of problems with directory services, on the desk that made them. A report is
 * one transaction: the report, its outbox entry (its author's stream) and its audit entry. The
 * reporting desk shows it on the service at once; once the directory carries it (the version the
 * server named when it took it), the published copy takes over, and leaves when a lead resolves it.
 */
export class ProblemReports {
  private readonly outbox: Outbox;
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly deps: { now: () => Date; audit: AuditLog; reporter: Reporter },
  ) {
    this.outbox = new Outbox(db, deps.now);
    this.s = {
      insert: db.prepare(
        `INSERT INTO problem_report (id, service_id, service_name, kind, note, phone, reported_at, author_id, team_id)
         VALUES (@id, @service_id, @service_name, @kind, @note, @phone, @reported_at, @author_id, @team_id)`,
      ),
      shown: db.prepare(
        `SELECT * FROM problem_report WHERE state <> 'refused' AND service_id IN (SELECT value FROM json_each(?))
         AND (state = 'queued' OR published_version IS NULL OR published_version > ?) ORDER BY reported_at, id`,
      ),
      one: db.prepare('SELECT * FROM problem_report WHERE id = ?'),
      sent: db.prepare("UPDATE problem_report SET state = 'sent', acked_at = ?, published_version = ? WHERE id = ? AND state = 'queued'"),
      refused: db.prepare("UPDATE problem_report SET state = 'refused', acked_at = ? WHERE id = ? AND state = 'queued'"),
      team: db.prepare("SELECT id, service_id, kind, reported_at FROM problem_report WHERE team_id = ? AND state <> 'refused' AND reported_at >= ? ORDER BY reported_at, id"),
    };
  }

  /** Queues a report of a problem with a service, made by the desk user. */
  report(p: ParsedParamsOf<'directory.report'>, service: Pick<DirectoryService, 'id' | 'name'>): ServiceReport {
    return this.db
      .transaction(() => {
        const author = this.deps.reporter.authorId();
        if (p.authorId !== undefined && p.authorId !== author) {
          throw new CoreError('session_changed', 'This report was not sent: someone else is signed in on this desk now, and it would have been filed under them. Report it again.');
        }
        if (!author) {
          throw new CoreError('not_signed_in', 'Sign in to report a problem: a report is shown on every desk of the trust, so it is filed under the clinician who made it.');
        }
        const id = uuidv7();
        const reportedAt = this.deps.now().toISOString();
        const note = p.note?.trim() ? p.note.trim() : null;
        const row = {
          id, service_id: service.id, service_name: service.name, kind: p.kind, note, phone: p.phone ?? null, reported_at: reportedAt, author_id: author,
          team_id: this.deps.reporter.teamId(),
        };
        this.s.insert.run(row);
        this.outbox.enqueue({
          recordId: id,
          baseRevision: null,
          deskTime: reportedAt,
          authorId: author,
          payload: {
            kind: 'report', serviceId: service.id, serviceName: service.name, reportKind: p.kind, reportedAt, ...(note ? { note } : {}), ...(p.phone ? { phone: p.phone } : {}),
          },
        });
        // Ids and the kind only: the note is free text.
        this.deps.audit.append({ action: 'report', detail: { reportId: id, serviceId: service.id, kind: p.kind, author } });
        return toServiceReport(row as ReportRow);
      })
      .immediate();
  }

  /**
   * This desk's reports of these services that the directory does not carry yet: queued, or taken
   * by the server at a version the desk has not caught up with.
   */
  localFor(serviceIds: readonly string[], directoryVersion: number): Map<string, ServiceReport[]> {
    const out = new Map<string, ServiceReport[]>();
    if (serviceIds.length === 0) return out;
    const now = this.deps.now().getTime();
    for (const r of this.s.shown.all(JSON.stringify(serviceIds), directoryVersion) as ReportRow[]) {
      if (r.state === 'sent' && r.published_version === null && now - Date.parse(r.acked_at ?? r.reported_at) > UNPUBLISHED_GRACE_MS) continue;
      const list = out.get(r.service_id) ?? [];
      list.push(toServiceReport(r));
      out.set(r.service_id, list);
    }
    return out;
  }

  /** The server's answer to a report (settled with its outbox entry, in the same transaction). */
  settled(reportId: string, outcome: { applied: true; publishedVersion: number | null } | { applied: false }): void {
    const at = this.deps.now().toISOString();
    if (outcome.applied) this.s.sent.run(at, outcome.publishedVersion, reportId);
    else this.s.refused.run(at, reportId);
  }

  /** The team's reports made on this desk since `from`, for a shift summary (those the server refused left out). */
  teamReports(teamId: string, from: Date): DirectoryProblemReport[] {
    return (this.s.team.all(teamId, from.toISOString()) as { id: string; service_id: string; kind: string; reported_at: string }[]).map((r) => ({
      id: r.id, serviceId: r.service_id, kind: r.kind, reportedAt: r.reported_at,
    }));
  }

  /** A report named as the refused-changes and waiting views name it (no caller detail: there is none). */
  label(reportId: string): string | null {
    const r = this.s.one.get(reportId) as ReportRow | undefined;
    return r ? `Report: ${r.service_name} — ${REPORT_KIND_LABELS[r.kind]}` : null;
  }
}

function toServiceReport(r: Pick<ReportRow, 'id' | 'kind' | 'note' | 'phone' | 'reported_at'>): ServiceReport {
  return { id: r.id, kind: r.kind, reportedAt: r.reported_at, local: true, ...(r.note ? { note: r.note } : {}), ...(r.phone ? { phone: r.phone } : {}) };
}
