import { randomUUID } from 'node:crypto';
import { correctionLastDay, correctionText, REPORT_KIND_LABELS, RESOLUTION_LABELS, type CorrectionChange, type Resolution } from '../../../../shared/domain/directory-quality';
import type { CorrectionView, ReportPage, ReportView, ServiceDetail, VersionView } from '../../../../shared/directory/quality-api';
import type { DirectoryService } from '../../../../shared/domain/directory';
import { londonDateOf } from '../../../../shared/lib/calendar';
import type { Queryable } from '../../db/db';
import { markPending } from './overlay-sql';

/*
 * The directory leads' reads and writes of reports, corrections, services and versions, each
 * scoped to the lead's trust. A write marks the services it touches pending in its own
 * transaction; the route then publishes them (publish-overlays.ts).
 */

export class QualityError extends Error {
  constructor(
    readonly status: 404 | 409 | 400,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const iso = (d: Date | string) => new Date(d).toISOString();

interface ReportRow {
  id: string;
  service_id: string;
  service_name: string;
  published_name: string | null;
  kind: ReportView['kind'];
  note: string | null;
  phone: string | null;
  reported_at: Date;
  received_at: Date;
  reported_by: string;
  reporter_name: string | null;
  team_id: string | null;
  team_name: string | null;
  published_version: number | null;
  resolution: Resolution | null;
  resolution_note: string | null;
  resolved_by: string | null;
  resolver_name: string | null;
  resolved_at: Date | null;
  correction_id: string | null;
}

const REPORT_SELECT = `SELECT r.id, r.service_id, r.service_name, d.doc->>'name' AS published_name, r.kind, r.note, r.phone, r.reported_at, r.received_at,
    r.reported_by, ru.display_name AS reporter_name, r.team_id, t.name AS team_name, r.published_version, r.resolution, r.resolution_note,
    r.resolved_by, su.display_name AS resolver_name, r.resolved_at, r.correction_id
  FROM directory_report r
  LEFT JOIN directory_service d ON d.trust_id = r.trust_id AND d.id = r.service_id AND NOT d.deleted
  LEFT JOIN app_user ru ON ru.id = r.reported_by
  LEFT JOIN app_user su ON su.id = r.resolved_by
  LEFT JOIN team t ON t.id = r.team_id`;

function reportView(r: ReportRow): ReportView {
  return {
    id: r.id,
    serviceId: r.service_id,
    serviceName: r.published_name ?? r.service_name,
    servicePublished: r.published_name !== null,
    kind: r.kind,
    note: r.note,
    phone: r.phone,
    reportedAt: iso(r.reported_at),
    receivedAt: iso(r.received_at),
    reportedBy: { userId: r.reported_by, displayName: r.reporter_name ?? r.reported_by },
    team: r.team_id ? { id: r.team_id, name: r.team_name ?? r.team_id } : null,
    publishedVersion: r.published_version,
    resolution:
      r.resolution && r.resolved_by && r.resolved_at
        ? { kind: r.resolution, note: r.resolution_note, by: { userId: r.resolved_by, displayName: r.resolver_name ?? r.resolved_by }, at: iso(r.resolved_at), correctionId: r.correction_id }
        : null,
  };
}

/** `before` cursors: the received time and id of the last report of the page before. */
const encodeBefore = (r: ReportRow) => Buffer.from(JSON.stringify([iso(r.received_at), r.id])).toString('base64url');
function decodeBefore(text: string): [string, string] | null {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && !Number.isNaN(Date.parse(v[0])) && typeof v[1] === 'string' && /^[0-9a-f-]{36}$/i.test(v[1])) return [v[0], v[1]];
  } catch {
    // not a cursor of ours
  }
  return null;
}

export async function listReports(db: Queryable, trustId: string, q: { status: 'open' | 'resolved' | 'all'; before?: string; limit: number; serviceId?: string }): Promise<ReportPage> {
  const params: unknown[] = [trustId, q.limit + 1];
  const where = ['r.trust_id = $1'];
  if (q.status === 'open') where.push('r.resolution IS NULL');
  if (q.status === 'resolved') where.push('r.resolution IS NOT NULL');
  if (q.serviceId) {
    params.push(q.serviceId);
    where.push(`r.service_id = $${params.length}`);
  }
  if (q.before) {
    const b = decodeBefore(q.before);
    if (!b) throw new QualityError(400, 'invalid_cursor', 'before: this is not a cursor from the list of reports. Start from the first page.');
    params.push(b[0], b[1]);
    where.push(`(r.received_at, r.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  const rows = await db.query<ReportRow>(`${REPORT_SELECT} WHERE ${where.join(' AND ')} ORDER BY r.received_at DESC, r.id DESC LIMIT $2`, params);
  const [open] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM directory_report WHERE trust_id = $1 AND resolution IS NULL', [trustId]);
  const page = rows.slice(0, q.limit);
  return { reports: page.map(reportView), next: rows.length > q.limit ? encodeBefore(page.at(-1)!) : null, open: open?.n ?? 0 };
}

export async function getReport(db: Queryable, trustId: string, id: string): Promise<ReportView | null> {
  const [row] = await db.query<ReportRow>(`${REPORT_SELECT} WHERE r.trust_id = $1 AND r.id = $2`, [trustId, id]);
  return row ? reportView(row) : null;
}

/** The published service and its feed's own document, or null when the trust never published it. */
async function serviceRow(db: Queryable, trustId: string, serviceId: string, lock = false) {
  const [row] = await db.query<{ id: string; doc: DirectoryService | null; feed_doc: DirectoryService | null; deleted: boolean; version: number; source: string }>(
    `SELECT id, doc, feed_doc, deleted, version, source FROM directory_service WHERE trust_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
    [trustId, serviceId],
  );
  return row ?? null;
}

/** Checks a correction against the service it corrects: a number marked not working must be one of its numbers. */
function checkCorrection(change: CorrectionChange, service: DirectoryService): void {
  if (change.kind === 'phone_not_working') {
    const digits = change.number.replace(/\D/g, '');
    const feed = service.phones;
    if (!feed.some((p) => p.number.replace(/\D/g, '') === digits)) {
      throw new QualityError(400, 'invalid_params', `change.number: ${change.number} is not one of this service’s numbers (${feed.map((p) => p.number).join(', ') || 'it has none'}).`);
    }
  }
}

interface CorrectionRow {
  id: string;
  service_id: string;
  published_name: string | null;
  feed_name: string | null;
  kind: CorrectionView['kind'];
  change: CorrectionChange;
  made_by: string;
  maker_name: string | null;
  made_at: Date;
  last_day: string | Date | null;
  removed_by: string | null;
  remover_name: string | null;
  removed_at: Date | null;
  removal: 'removed' | 'lapsed' | null;
  reports: string[] | null;
}

const CORRECTION_SELECT = `SELECT c.id, c.service_id, d.doc->>'name' AS published_name, coalesce(d.feed_doc, d.doc)->>'name' AS feed_name, c.kind, c.change,
    c.made_by, mu.display_name AS maker_name, c.made_at, to_char(c.last_day, 'YYYY-MM-DD') AS last_day, c.removed_by, ru.display_name AS remover_name,
    c.removed_at, c.removal, (SELECT array_agg(r.id::text ORDER BY r.id) FROM directory_report r WHERE r.correction_id = c.id) AS reports
  FROM directory_correction c
  LEFT JOIN directory_service d ON d.trust_id = c.trust_id AND d.id = c.service_id AND NOT d.deleted
  LEFT JOIN app_user mu ON mu.id = c.made_by
  LEFT JOIN app_user ru ON ru.id = c.removed_by`;

function correctionView(r: CorrectionRow): CorrectionView {
  return {
    id: r.id,
    serviceId: r.service_id,
    serviceName: r.published_name ?? r.feed_name ?? r.service_id,
    servicePublished: r.published_name !== null,
    kind: r.kind,
    change: r.change,
    text: correctionText(r.change),
    madeBy: { userId: r.made_by, displayName: r.maker_name ?? r.made_by },
    madeAt: iso(r.made_at),
    lastDay: r.last_day === null ? null : typeof r.last_day === 'string' ? r.last_day : r.last_day.toISOString().slice(0, 10),
    removed: r.removal && r.removed_at ? { how: r.removal, by: r.removed_by ? { userId: r.removed_by, displayName: r.remover_name ?? r.removed_by } : null, at: iso(r.removed_at) } : null,
    reports: r.reports ?? [],
  };
}

export async function listCorrections(db: Queryable, trustId: string, q: { status: 'active' | 'removed' | 'all'; serviceId?: string; limit: number }): Promise<CorrectionView[]> {
  const params: unknown[] = [trustId, q.limit];
  const where = ['c.trust_id = $1'];
  if (q.status === 'active') where.push('c.removed_at IS NULL');
  if (q.status === 'removed') where.push('c.removed_at IS NOT NULL');
  if (q.serviceId) {
    params.push(q.serviceId);
    where.push(`c.service_id = $${params.length}`);
  }
  const rows = await db.query<CorrectionRow>(`${CORRECTION_SELECT} WHERE ${where.join(' AND ')} ORDER BY c.removed_at IS NULL DESC, c.made_at DESC, c.id LIMIT $2`, params);
  return rows.map(correctionView);
}

export async function getCorrection(db: Queryable, trustId: string, id: string): Promise<CorrectionView | null> {
  const [row] = await db.query<CorrectionRow>(`${CORRECTION_SELECT} WHERE c.trust_id = $1 AND c.id = $2`, [trustId, id]);
  return row ? correctionView(row) : null;
}

/** Makes a correction (in the caller's transaction); reports of the same service it answers are resolved with it. */
export async function addCorrection(tx: Queryable, trustId: string, userId: string, p: { serviceId: string; change: CorrectionChange; reportIds?: readonly string[]; note?: string }): Promise<string> {
  const service = await serviceRow(tx, trustId, p.serviceId, true);
  if (!service || service.deleted || !service.doc) {
    throw new QualityError(404, 'not_found', 'serviceId: there is no published service with this id in your trust’s directory.');
  }
  checkCorrection(p.change, service.feed_doc ?? service.doc);
  const lastDay = correctionLastDay(p.change);
  if (lastDay !== null && lastDay < londonDateOf(new Date())) {
    throw new QualityError(400, 'invalid_params', `change: its last day (${lastDay}) is already over, so it would change nothing. Check the dates.`);
  }
  const id = randomUUID();
  await tx.query(
    'INSERT INTO directory_correction (id, trust_id, service_id, kind, change, last_day, made_by) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [id, trustId, p.serviceId, p.change.kind, JSON.stringify(p.change), lastDay, userId],
  );
  for (const reportId of p.reportIds ?? []) await resolveOne(tx, trustId, userId, reportId, 'corrected_locally', p.note ?? null, id, p.serviceId);
  await markPending(tx, trustId, p.serviceId, `Correction added: ${correctionText(p.change)}`);
  return id;
}

export async function removeCorrection(tx: Queryable, trustId: string, userId: string, id: string): Promise<void> {
  const [row] = await tx.query<{ service_id: string; removed_at: Date | null; change: CorrectionChange }>(
    'SELECT service_id, removed_at, change FROM directory_correction WHERE trust_id = $1 AND id = $2 FOR UPDATE',
    [trustId, id],
  );
  if (!row) throw new QualityError(404, 'not_found', 'There is no correction with this id in your trust.');
  if (row.removed_at) throw new QualityError(409, 'already_removed', 'This correction has already been removed (or lapsed): nothing was changed.');
  await tx.query("UPDATE directory_correction SET removed_at = now(), removed_by = $3, removal = 'removed' WHERE trust_id = $1 AND id = $2", [trustId, id, userId]);
  await markPending(tx, trustId, row.service_id, `Correction removed: ${correctionText(row.change)}`);
}

async function resolveOne(tx: Queryable, trustId: string, userId: string, reportId: string, resolution: Resolution, note: string | null, correctionId: string | null, serviceId?: string): Promise<void> {
  const [row] = await tx.query<{ service_id: string; resolution: string | null; kind: ReportView['kind'] }>(
    'SELECT service_id, resolution, kind FROM directory_report WHERE trust_id = $1 AND id = $2 FOR UPDATE',
    [trustId, reportId],
  );
  if (!row) throw new QualityError(404, 'not_found', `There is no report ${reportId} in your trust.`);
  if (row.resolution) throw new QualityError(409, 'already_resolved', 'This report has already been resolved: nothing was changed. Reload the queue.');
  if (serviceId !== undefined && row.service_id !== serviceId) {
    throw new QualityError(400, 'invalid_params', `reportIds: report ${reportId} is about another service; a correction resolves only reports of the service it corrects.`);
  }
  await tx.query(
    'UPDATE directory_report SET resolution = $3, resolution_note = $4, resolved_by = $5, resolved_at = now(), correction_id = $6 WHERE trust_id = $1 AND id = $2',
    [trustId, reportId, resolution, note || null, userId, correctionId],
  );
  await markPending(tx, trustId, row.service_id, `Report resolved (${RESOLUTION_LABELS[resolution].toLowerCase()}): ${REPORT_KIND_LABELS[row.kind]}`);
}

/** Resolves a report, with a new correction or one already standing when it was corrected locally. */
export async function resolveReport(
  tx: Queryable,
  trustId: string,
  userId: string,
  reportId: string,
  r: { resolution: Resolution; note?: string; correction?: CorrectionChange; correctionId?: string },
): Promise<void> {
  const [report] = await tx.query<{ service_id: string; resolution: string | null }>('SELECT service_id, resolution FROM directory_report WHERE trust_id = $1 AND id = $2', [trustId, reportId]);
  if (!report) throw new QualityError(404, 'not_found', 'There is no report with this id in your trust.');
  if (report.resolution) throw new QualityError(409, 'already_resolved', 'This report has already been resolved: nothing was changed. Reload the queue.');
  if (r.resolution !== 'corrected_locally') {
    if (r.correction || r.correctionId) throw new QualityError(400, 'invalid_params', 'correction: only a report corrected locally comes with a correction.');
    return resolveOne(tx, trustId, userId, reportId, r.resolution, r.note ?? null, null);
  }
  if (r.correction && r.correctionId) throw new QualityError(400, 'invalid_params', 'Give either a new correction or the id of one already made, not both.');
  if (r.correction) {
    await addCorrection(tx, trustId, userId, { serviceId: report.service_id, change: r.correction, reportIds: [reportId], ...(r.note ? { note: r.note } : {}) });
    return;
  }
  if (!r.correctionId) throw new QualityError(400, 'invalid_params', 'correction: say what was corrected (a new correction, or correctionId of one already made).');
  const [c] = await tx.query<{ service_id: string; removed_at: Date | null }>('SELECT service_id, removed_at FROM directory_correction WHERE trust_id = $1 AND id = $2', [trustId, r.correctionId]);
  if (!c) throw new QualityError(404, 'not_found', 'correctionId: there is no correction with this id in your trust.');
  if (c.service_id !== report.service_id) throw new QualityError(400, 'invalid_params', 'correctionId: that correction is of another service.');
  if (c.removed_at) throw new QualityError(409, 'correction_removed', 'correctionId: that correction has been removed; make a new one.');
  await resolveOne(tx, trustId, userId, reportId, 'corrected_locally', r.note ?? null, r.correctionId);
}

export async function searchServices(db: Queryable, trustId: string, q: { text?: string; limit: number }) {
  const text = (q.text ?? '').trim();
  const params: unknown[] = [trustId, q.limit];
  let filter = '';
  if (text) {
    params.push(`%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, text);
    filter = `AND (d.doc->>'name' ILIKE $3 OR d.doc->'organisation'->>'name' ILIKE $3 OR d.id = $4)`;
  }
  const rows = await db.query<{ id: string; name: string; organisation: string; type: string; status: string; source: string; version: number; open_reports: number; corrections: number }>(
    `SELECT d.id, d.doc->>'name' AS name, d.doc->'organisation'->>'name' AS organisation, d.doc->>'type' AS type, d.doc->>'status' AS status, d.source, d.version,
       (SELECT count(*)::int FROM directory_report r WHERE r.trust_id = d.trust_id AND r.service_id = d.id AND r.resolution IS NULL) AS open_reports,
       (SELECT count(*)::int FROM directory_correction c WHERE c.trust_id = d.trust_id AND c.service_id = d.id AND c.removed_at IS NULL) AS corrections
     FROM directory_service d WHERE d.trust_id = $1 AND NOT d.deleted ${filter}
     ORDER BY (d.doc->>'name') ILIKE ${text ? '$4' : "''"} DESC, d.doc->>'name', d.id LIMIT $2`,
    params,
  );
  return rows.map((r) => ({ id: r.id, name: r.name, organisation: r.organisation, type: r.type, status: r.status, source: r.source, version: r.version, openReports: r.open_reports, corrections: r.corrections }));
}

export async function serviceDetail(db: Queryable, trustId: string, id: string): Promise<ServiceDetail | null> {
  const row = await serviceRow(db, trustId, id);
  if (!row || row.deleted || !row.doc) return null;
  return { id: row.id, source: row.source, version: row.version, published: row.doc, feed: row.feed_doc };
}

interface VersionRow {
  version: number;
  published_at: Date;
  cause: VersionView['cause'];
  import_id: string | null;
  source: string | null;
  made_by: string | null;
  added: number;
  changed: number;
  withdrawn: number;
  summary: string;
}

export async function listVersions(db: Queryable, trustId: string, q: { before?: number; limit: number }) {
  const rows = await db.query<VersionRow>(
    `SELECT version, published_at, cause, import_id, source, made_by, added, changed, withdrawn, summary FROM directory_version
     WHERE trust_id = $1 AND ($3::bigint IS NULL OR version < $3) ORDER BY version DESC LIMIT $2`,
    [trustId, q.limit + 1, q.before ?? null],
  );
  const [state] = await db.query<{ version: number }>('SELECT version FROM directory_state WHERE trust_id = $1', [trustId]);
  const page = rows.slice(0, q.limit);
  return {
    current: state?.version ?? 0,
    versions: page.map((v) => ({
      version: v.version, publishedAt: iso(v.published_at), cause: v.cause, importId: v.import_id, source: v.source, by: v.made_by, added: v.added, changed: v.changed,
      withdrawn: v.withdrawn, summary: v.summary,
    })),
    next: rows.length > q.limit ? page.at(-1)!.version : null,
  };
}

export async function versionChanges(db: Queryable, trustId: string, version: number, q: { after: string; limit: number }) {
  const [v] = await db.query<{ version: number }>('SELECT version FROM directory_version WHERE trust_id = $1 AND version = $2', [trustId, version]);
  if (!v) return null;
  const rows = await db.query<{ service_id: string; name: string | null; change: 'added' | 'changed' | 'withdrawn'; why: string | null }>(
    `SELECT service_id, name, change, why FROM directory_version_change WHERE trust_id = $1 AND version = $2 AND service_id > $3 ORDER BY service_id LIMIT $4`,
    [trustId, version, q.after, q.limit + 1],
  );
  const [kept] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM directory_version_change WHERE trust_id = $1 AND version = $2', [trustId, version]);
  const page = rows.slice(0, q.limit);
  return {
    changes: page.map((r) => ({ serviceId: r.service_id, name: r.name, change: r.change, why: r.why })),
    next: rows.length > q.limit ? page.at(-1)!.service_id : null,
    kept: (kept?.n ?? 0) > 0,
  };
}
