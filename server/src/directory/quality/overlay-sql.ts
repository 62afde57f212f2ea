import type { DirectoryService } from '../../../../shared/domain/directory';
import type { LocalCorrection, ServiceReport } from '../../../../shared/domain/directory-quality';
import { applyOverlay, isEmptyOverlay, type Overlay } from '../../../../shared/directory/overlay';
import { londonDateOf } from '../../../../shared/lib/calendar';
import type { Queryable } from '../../db/db';

/*
 * The statements that keep published services in step with the trust's reports and corrections
 * (migration 12). A change to a report or a correction marks its service pending, in the
 * transaction of that change; publishing then rebuilds each pending service's document from the
 * feed's document (feed_doc, or doc when it carries nothing of the trust's) at the next version.
 * An import's publish applies the same overlay to every service it writes.
 */

export type VersionCause = 'import' | 'publish' | 'quality';

export interface VersionRecord {
  trustId: string;
  version: number;
  publishedAt: string;
  cause: VersionCause;
  importId: string | null;
  source: string | null;
  by: string | null;
  added: number;
  changed: number;
  withdrawn: number;
  summary: string;
}

/** Records a published version (its services were listed in directory_version_change as they were written). */
export async function recordVersion(tx: Queryable, v: VersionRecord): Promise<void> {
  await tx.query(
    `INSERT INTO directory_version (trust_id, version, published_at, cause, import_id, source, made_by, added, changed, withdrawn, summary)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [v.trustId, v.version, v.publishedAt, v.cause, v.importId, v.source, v.by, v.added, v.changed, v.withdrawn, v.summary.slice(0, 1000)],
  );
}

/** Marks a service's published document as due to be rebuilt, saying why (in the caller's transaction). */
export async function markPending(tx: Queryable, trustId: string, serviceId: string, why: string): Promise<void> {
  await tx.query(
    `INSERT INTO directory_overlay_pending (trust_id, service_id, why) VALUES ($1, $2, $3)
     ON CONFLICT (trust_id, service_id) DO UPDATE SET why = left(directory_overlay_pending.why || '; ' || excluded.why, 500)`,
    [trustId, serviceId, why.slice(0, 500)],
  );
}

/** Corrections whose last day (London) is over are lapsed, and their services marked pending. */
export async function lapseCorrections(tx: Queryable, trustId: string, now: Date): Promise<number> {
  const [row] = await tx.query<{ n: number }>(
    `WITH lapsed AS (
       UPDATE directory_correction SET removed_at = $2, removal = 'lapsed'
       WHERE trust_id = $1 AND removed_at IS NULL AND last_day < $3::date
       RETURNING service_id),
     marked AS (
       INSERT INTO directory_overlay_pending (trust_id, service_id, why)
       SELECT DISTINCT $1, service_id, 'A correction lapsed after its last day' FROM lapsed
       ON CONFLICT (trust_id, service_id) DO UPDATE SET why = left(directory_overlay_pending.why || '; ' || excluded.why, 500)
       RETURNING 1)
     SELECT (SELECT count(*) FROM lapsed)::int AS n`,
    [trustId, now.toISOString(), londonDateOf(now)],
  );
  return row?.n ?? 0;
}

interface CorrectionRow {
  id: string;
  service_id: string;
  change: Record<string, unknown>;
  made_at: Date;
}
interface ReportRow {
  id: string;
  service_id: string;
  kind: ServiceReport['kind'];
  note: string | null;
  phone: string | null;
  reported_at: Date;
}

/** The active corrections and open reports of these services (every one listed, empty or not). */
export async function loadOverlays(tx: Queryable, trustId: string, serviceIds: readonly string[]): Promise<Map<string, Overlay>> {
  const out = new Map<string, { corrections: LocalCorrection[]; reports: ServiceReport[] }>(serviceIds.map((id) => [id, { corrections: [], reports: [] }]));
  if (serviceIds.length === 0) return out;
  const [corrections, reports] = await Promise.all([
    tx.query<CorrectionRow>(
      'SELECT id, service_id, change, made_at FROM directory_correction WHERE trust_id = $1 AND service_id = ANY($2::text[]) AND removed_at IS NULL ORDER BY made_at, id',
      [trustId, serviceIds],
    ),
    tx.query<ReportRow>(
      'SELECT id, service_id, kind, note, phone, reported_at FROM directory_report WHERE trust_id = $1 AND service_id = ANY($2::text[]) AND resolution IS NULL ORDER BY reported_at, id',
      [trustId, serviceIds],
    ),
  ]);
  for (const c of corrections) out.get(c.service_id)?.corrections.push({ ...c.change, id: c.id, madeAt: new Date(c.made_at).toISOString() } as LocalCorrection);
  for (const r of reports) {
    out.get(r.service_id)?.reports.push({
      id: r.id, kind: r.kind, reportedAt: new Date(r.reported_at).toISOString(), ...(r.note ? { note: r.note } : {}), ...(r.phone ? { phone: r.phone } : {}),
    });
  }
  return out;
}

const UPDATE_DOCS = `UPDATE directory_service d SET doc = x.doc, feed_doc = x.feed_doc, version = $2, updated_at = $3
  FROM jsonb_to_recordset($4::jsonb) AS x(id text, doc jsonb, feed_doc jsonb)
  WHERE d.trust_id = $1 AND d.id = x.id AND NOT d.deleted AND (d.doc IS DISTINCT FROM x.doc OR d.feed_doc IS DISTINCT FROM x.feed_doc)
  RETURNING d.id, d.doc->>'name' AS name`;

/** Reports are marked with the version that first carried them to desks. */
async function notePublishedReports(tx: Queryable, trustId: string, serviceIds: readonly string[]): Promise<void> {
  if (serviceIds.length === 0) return;
  await tx.query(
    `UPDATE directory_report r SET published_version = d.version FROM directory_service d
     WHERE r.trust_id = $1 AND r.service_id = ANY($2::text[]) AND r.resolution IS NULL AND r.published_version IS NULL
       AND d.trust_id = r.trust_id AND d.id = r.service_id AND NOT d.deleted`,
    [trustId, serviceIds],
  );
}

/**
 * After a publish has written the feed's documents at `version`: every one of them whose service
 * has corrections or open reports gets them back on top (the feed's document kept in feed_doc).
 * Those services' pending marks are taken, and their reasons given to the version's list.
 */
export async function overlayServicesAt(tx: Queryable, trustId: string, version: number): Promise<number> {
  const rows = await tx.query<{ id: string; doc: DirectoryService }>(
    `SELECT d.id, d.doc FROM directory_service d
     WHERE d.trust_id = $1 AND d.version = $2 AND NOT d.deleted AND d.id IN (
       SELECT service_id FROM directory_correction WHERE trust_id = $1 AND removed_at IS NULL
       UNION SELECT service_id FROM directory_report WHERE trust_id = $1 AND resolution IS NULL)`,
    [trustId, version],
  );
  if (rows.length === 0) return 0;
  const ids = rows.map((r) => r.id);
  const overlays = await loadOverlays(tx, trustId, ids);
  const docs = rows.map((r) => ({ id: r.id, doc: applyOverlay(r.doc, overlays.get(r.id)!), feed_doc: r.doc }));
  await tx.query(
    `UPDATE directory_service d SET doc = x.doc, feed_doc = x.feed_doc
     FROM jsonb_to_recordset($2::jsonb) AS x(id text, doc jsonb, feed_doc jsonb) WHERE d.trust_id = $1 AND d.id = x.id`,
    [trustId, JSON.stringify(docs)],
  );
  await tx.query(
    `WITH taken AS (DELETE FROM directory_overlay_pending WHERE trust_id = $1 AND service_id = ANY($3::text[]) RETURNING service_id, why)
     UPDATE directory_version_change c SET why = taken.why FROM taken WHERE c.trust_id = $1 AND c.version = $2 AND c.service_id = taken.service_id`,
    [trustId, version, ids],
  );
  await notePublishedReports(tx, trustId, ids);
  return rows.length;
}

export interface OverlayPublish {
  version: number;
  /** Services whose published document changed. */
  services: number;
}

/**
 * Rebuilds the published document of every pending service of the trust at the next version, in
 * the caller's transaction, and records the version; null when nothing pending changed a document.
 */
export async function publishPendingOverlays(tx: Queryable, trustId: string, now: Date): Promise<OverlayPublish | null> {
  await tx.query('INSERT INTO directory_state (trust_id) VALUES ($1) ON CONFLICT DO NOTHING', [trustId]);
  // The same lock as every publish of the trust: versions commit in order.
  const [state] = await tx.query<{ version: number }>('SELECT version FROM directory_state WHERE trust_id = $1 FOR UPDATE', [trustId]);
  await lapseCorrections(tx, trustId, now);
  const pending = await tx.query<{ service_id: string; why: string }>('DELETE FROM directory_overlay_pending WHERE trust_id = $1 RETURNING service_id, why', [trustId]);
  if (pending.length === 0) return null;
  const why = new Map(pending.map((p) => [p.service_id, p.why]));
  const ids = [...why.keys()];
  const rows = await tx.query<{ id: string; doc: DirectoryService; feed_doc: DirectoryService | null }>(
    'SELECT id, doc, feed_doc FROM directory_service WHERE trust_id = $1 AND id = ANY($2::text[]) AND NOT deleted',
    [trustId, ids],
  );
  const overlays = await loadOverlays(tx, trustId, rows.map((r) => r.id));
  const docs = rows.map((r) => {
    const feed = r.feed_doc ?? r.doc;
    const overlay = overlays.get(r.id)!;
    return { id: r.id, doc: applyOverlay(feed, overlay), feed_doc: isEmptyOverlay(overlay) ? null : feed };
  });
  const next = state!.version + 1;
  const at = now.toISOString();
  const changed = docs.length === 0 ? [] : await tx.query<{ id: string; name: string }>(UPDATE_DOCS, [trustId, next, at, JSON.stringify(docs)]);
  if (changed.length > 0) {
    await tx.query('UPDATE directory_state SET version = $2, published_at = $3 WHERE trust_id = $1', [trustId, next, at]);
    await tx.query(
      `INSERT INTO directory_version_change (trust_id, version, service_id, name, change, why)
       SELECT $1, $2, x.id, x.name, 'changed', x.why FROM jsonb_to_recordset($3::jsonb) AS x(id text, name text, why text)`,
      [trustId, next, JSON.stringify(changed.map((c) => ({ id: c.id, name: c.name, why: why.get(c.id) ?? null })))],
    );
    const names = changed.slice(0, 3).map((c) => `${c.name} (${why.get(c.id)})`).join('; ');
    await recordVersion(tx, {
      trustId, version: next, publishedAt: at, cause: 'quality', importId: null, source: null, by: null, added: 0, changed: changed.length, withdrawn: 0,
      summary: `Reports and local corrections: ${names}${changed.length > 3 ? ` and ${changed.length - 3} more` : ''}.`,
    });
  }
  await notePublishedReports(tx, trustId, rows.map((r) => r.id));
  return changed.length > 0 ? { version: next, services: changed.length } : null;
}
