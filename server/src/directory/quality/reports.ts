import { REPORT_KIND_LABELS, type ReportKind } from '../../../../shared/domain/directory-quality';
import type { Mutation } from '../../../../shared/sync/protocol';
import type { Queryable } from '../../db/db';
import type { Writer } from '../../sync/apply-mutation';
import { markPending } from './overlay-sql';

/*
 * A clinician's report of a problem with a directory service, as it arrives in a push (a `report`
 * mutation of the sync protocol): decided without the database, then written with the batch, in
 * its transaction. The report is filed under the signed-in sender and their team, and its service
 * is marked pending so that the next publish carries it to every desk of the trust.
 */

export interface NewReport {
  id: string;
  trustId: string;
  teamId: string;
  serviceId: string;
  serviceName: string;
  kind: ReportKind;
  note: string | null;
  phone: string | null;
  reportedBy: string;
  clientId: string;
  reportedAt: string;
}

/** What the database already knows that a batch's reports depend on. */
export interface ReportFacts {
  /** Ids of services the sender's trust has published (withdrawn ones included). */
  services: Set<string>;
  /** Reports already held, by id, with the sender who made them. */
  held: Map<string, { reportedBy: string; serviceId: string; kind: string }>;
}

export const REPORT_REASONS = {
  unknownService:
    'This service is not in your trust’s directory on the server, so the report was not passed to the directory leads. It may have been withdrawn; tell your team lead about the problem instead.',
  idTaken: 'A different report with this id is already held by the server, so this one was not added. The desk keeps its copy; tell IT.',
} as const;

export type ReportDecision = { status: 'applied'; report: NewReport | null } | { status: 'rejected'; reason: string };

export function decideReport(m: Mutation, writer: Writer, facts: ReportFacts): ReportDecision {
  const p = m.payload;
  if (p.kind !== 'report') throw new TypeError('decideReport takes report mutations only');
  const held = facts.held.get(m.recordId);
  if (held) {
    // The same report sent again on a new seq (the desk requeued it): already held, nothing to add.
    const same = held.reportedBy === writer.userId && held.serviceId === p.serviceId && held.kind === p.reportKind;
    return same ? { status: 'applied', report: null } : { status: 'rejected', reason: REPORT_REASONS.idTaken };
  }
  if (!facts.services.has(p.serviceId)) return { status: 'rejected', reason: REPORT_REASONS.unknownService };
  return {
    status: 'applied',
    report: {
      id: m.recordId,
      trustId: writer.trustId,
      teamId: writer.teamId,
      serviceId: p.serviceId,
      serviceName: p.serviceName,
      kind: p.reportKind,
      note: p.note ? p.note : null,
      phone: p.phone ?? null,
      reportedBy: writer.userId,
      clientId: writer.clientId,
      reportedAt: p.reportedAt,
    },
  };
}

/** The facts a batch's report mutations are decided on. */
export async function reportFacts(tx: Queryable, trustId: string, mutations: readonly Mutation[]): Promise<ReportFacts> {
  const reports = mutations.flatMap((m) => (m.payload.kind === 'report' ? [{ id: m.recordId, serviceId: m.payload.serviceId }] : []));
  if (reports.length === 0) return { services: new Set(), held: new Map() };
  const [services, held] = await Promise.all([
    tx.query<{ id: string }>('SELECT id FROM directory_service WHERE trust_id = $1 AND id = ANY($2::text[])', [trustId, [...new Set(reports.map((r) => r.serviceId))]]),
    tx.query<{ id: string; reported_by: string; service_id: string; kind: string }>(
      'SELECT id, reported_by, service_id, kind FROM directory_report WHERE id = ANY($1::uuid[])',
      [reports.map((r) => r.id)],
    ),
  ]);
  return {
    services: new Set(services.map((s) => s.id)),
    held: new Map(held.map((h) => [h.id, { reportedBy: h.reported_by, serviceId: h.service_id, kind: h.kind }])),
  };
}

/** Writes a batch's new reports and marks their services pending, in the batch's transaction. */
export async function insertReports(tx: Queryable, reports: readonly NewReport[]): Promise<void> {
  if (reports.length === 0) return;
  await tx.query(
    `INSERT INTO directory_report (id, trust_id, team_id, service_id, service_name, kind, note, phone, reported_by, client_id, reported_at)
     SELECT id, trust_id, team_id, service_id, service_name, kind, note, phone, reported_by, client_id, reported_at
     FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, trust_id text, team_id text, service_id text, service_name text, kind text, note text, phone text,
       reported_by text, client_id uuid, reported_at timestamptz)`,
    [
      JSON.stringify(
        reports.map((r) => ({
          id: r.id, trust_id: r.trustId, team_id: r.teamId, service_id: r.serviceId, service_name: r.serviceName, kind: r.kind, note: r.note, phone: r.phone,
          reported_by: r.reportedBy, client_id: r.clientId, reported_at: r.reportedAt,
        })),
      ),
    ],
  );
  for (const r of reports) await markPending(tx, r.trustId, r.serviceId, `Reported: ${REPORT_KIND_LABELS[r.kind]}`);
}
