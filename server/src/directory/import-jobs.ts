import type { Db, Queryable } from '../db/db';
import type { FeedProblem, ImportCounts, ImportedRecord } from '../import';
import type { ImportJob, ImportKind, ImportRecordLine, ImportStatus } from './import-report';

/*
 * Import jobs in PostgreSQL: the job row (state, heartbeat, progress, report), its per-record
 * report, the services it stages for publishing and the withdrawals it made or waits to make. Any
 * API node can show a job and decide a held one; the node running it keeps its heartbeat.
 */

/** A running job whose heartbeat is older than this was on a node that stopped. */
export const STALE_AFTER_SECONDS = 60;
/** The node running a job beats its heartbeat this often. */
export const HEARTBEAT_MS = 10_000;
/** The newest imports of a trust keep their per-record report; older ones keep only their summary. */
export const KEEP_RECORD_REPORTS = 20;

/** What is kept in directory_import.report. */
export interface StoredReport {
  complete: boolean | null;
  counts: ImportCounts | null;
  problems: FeedProblem[];
  withdrawals: ImportJob['withdrawals'];
  changes: ImportJob['changes'];
  snapshot: ImportJob['snapshot'];
  summary: string;
  recordsPruned?: boolean;
}

interface JobRow {
  id: string;
  source: string;
  status: ImportStatus;
  input: { kind: ImportKind; origin: string | null } | null;
  started_at: Date;
  started_by: string | null;
  finished_at: Date | null;
  heartbeat_at: Date | null;
  progress: { records: number; at: string } | null;
  report: StoredReport | null;
  defects: { recordId: string | null; field: string | null; severity: string; reason: string }[] | null;
  published_version: number | null;
  decided_by: string | null;
  decided_at: Date | null;
  stale: boolean;
}

const JOB_COLUMNS = `id, source, status, input, started_at, started_by, finished_at, heartbeat_at, progress, report, defects, published_version, decided_by, decided_at,
  (status = 'running' AND coalesce(heartbeat_at, started_at) < now() - make_interval(secs => ${STALE_AFTER_SECONDS})) AS stale`;

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

export const INTERRUPTED_SUMMARY = 'The import stopped before it finished (the server running it stopped); nothing was published. Start it again.';

function jobOf(r: JobRow): ImportJob {
  const report = r.report;
  const status: ImportStatus = r.stale ? 'interrupted' : r.status;
  // Imports recorded before jobs had a report: their feed-level defects are their problems.
  const problems = report?.problems ?? (r.defects ?? []).filter((d) => d.recordId === null).map((d) => ({ where: d.field, reason: d.reason, partial: d.severity === 'skipped' }));
  return {
    id: r.id,
    source: r.source,
    kind: r.input?.kind ?? null,
    origin: r.input?.origin ?? null,
    status,
    summary: status === 'interrupted' && r.stale ? INTERRUPTED_SUMMARY : (report?.summary ?? (status === 'running' ? 'Reading the feed.' : 'Imported before reports were kept record by record.')),
    startedAt: iso(r.started_at)!,
    startedBy: r.started_by,
    finishedAt: iso(r.finished_at),
    progress: r.progress,
    complete: report?.complete ?? null,
    counts: report?.counts ?? null,
    problems,
    withdrawals: report?.withdrawals ?? null,
    decision: r.decided_by && r.decided_at ? { action: status === 'refused' ? 'refused' : 'confirmed', by: r.decided_by, at: iso(r.decided_at)! } : null,
    changes: report?.changes ?? null,
    publishedVersion: r.published_version,
    snapshot: report?.snapshot ?? null,
    recordsKept: report !== null && !report.recordsPruned,
  };
}

/** Another import of the same feed is running for the trust. */
export class ImportBusy extends Error {}

/**
 * Records a new running job. Running jobs of the feed whose node stopped are marked interrupted,
 * and one held for confirmation is superseded (its staged services dropped): the newer read wins.
 */
export async function createJob(db: Db, job: { id: string; trustId: string; source: string; kind: ImportKind; origin: string | null; userId: string }): Promise<ImportJob> {
  try {
    await db.transaction(async (tx) => {
      await tx.query(
        `UPDATE directory_import SET status = 'interrupted', finished_at = now(), report = coalesce(report, '{}'::jsonb) || jsonb_build_object('summary', $3::text)
         WHERE trust_id = $1 AND source = $2 AND status = 'running' AND coalesce(heartbeat_at, started_at) < now() - make_interval(secs => ${STALE_AFTER_SECONDS})`,
        [job.trustId, job.source, INTERRUPTED_SUMMARY],
      );
      const superseded = await tx.query<{ id: string }>(
        `UPDATE directory_import SET status = 'superseded', finished_at = now(),
           report = report || jsonb_build_object('summary', 'A newer import of this feed was started before this one was confirmed; nothing of it was published.')
         WHERE trust_id = $1 AND source = $2 AND status = 'awaiting_confirmation' RETURNING id`,
        [job.trustId, job.source],
      );
      for (const s of superseded) await tx.query('DELETE FROM directory_import_service WHERE import_id = $1', [s.id]);
      await tx.query(
        `INSERT INTO directory_import (id, trust_id, source, started_at, started_by, status, input, heartbeat_at, progress)
         VALUES ($1, $2, $3, now(), $4, 'running', $5, now(), jsonb_build_object('records', 0, 'at', now()))`,
        [job.id, job.trustId, job.source, job.userId, JSON.stringify({ kind: job.kind, origin: job.origin })],
      );
    });
  } catch (e) {
    if ((e as { code?: string }).code === '23505') throw new ImportBusy(`An import of ${job.source} is already running for this trust; wait for it to finish.`);
    throw e;
  }
  return (await findJob(db, job.trustId, job.id))!;
}

export async function heartbeat(db: Queryable, id: string, records: number): Promise<void> {
  await db.query(`UPDATE directory_import SET heartbeat_at = now(), progress = jsonb_build_object('records', $2::int, 'at', now()) WHERE id = $1 AND status = 'running'`, [id, records]);
}

/**
 * JSON that PostgreSQL's jsonb accepts: it refuses the NUL character and unpaired surrogates, both
 * of which a hostile feed can hold (JSON.stringify writes exactly those as \u escapes).
 */
export function storableJson(value: unknown): string {
  return JSON.stringify(value).replace(/\\u(?:0000|d[89a-f][0-9a-f]{2})/gi, '\\ufffd');
}

/** One batch of the per-record report, and the services it stages, in one transaction. */
export async function saveRecords(db: Db, importId: string, records: readonly ImportedRecord[]): Promise<void> {
  if (records.length === 0) return;
  const lines = records.map((r) => ({ seq: r.seq, place: r.place, feed_id: r.feedId, service_id: r.serviceId, name: r.name, outcome: r.outcome, first_seq: r.firstCopy?.seq ?? null, defects: r.defects }));
  const services = records.flatMap((r) => (r.service ? [r.service] : []));
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO directory_import_record (import_id, seq, place, feed_id, service_id, name, outcome, first_seq, defects)
       SELECT $1, x.seq, x.place, x.feed_id, x.service_id, x.name, x.outcome, x.first_seq, x.defects
       FROM jsonb_to_recordset($2::jsonb) AS x(seq int, place text, feed_id text, service_id text, name text, outcome text, first_seq int, defects jsonb)`,
      [importId, storableJson(lines)],
    );
    if (services.length > 0) {
      await tx.query("INSERT INTO directory_import_service (import_id, id, doc) SELECT $1, x->>'id', x FROM jsonb_array_elements($2::jsonb) AS x", [importId, storableJson(services)]);
    }
  });
}

export async function finishJob(db: Queryable, id: string, status: ImportStatus, report: StoredReport, publishedVersion: number | null = null): Promise<void> {
  await db.query(
    `UPDATE directory_import SET status = $2, report = $3, published_version = $4, finished_at = CASE WHEN $2 = 'awaiting_confirmation' THEN NULL ELSE now() END,
       progress = CASE WHEN $5::int IS NULL THEN progress ELSE jsonb_build_object('records', $5::int, 'at', now()) END
     WHERE id = $1`,
    [id, status, storableJson(report), publishedVersion, report.counts?.records ?? null],
  );
}

/** Drops the services an import staged: published, refused, failed or superseded. */
export async function dropStaged(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM directory_import_service WHERE import_id = $1', [id]);
}

/** Keeps the per-record reports of the trust's newest imports only. */
export async function pruneReports(db: Db, trustId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const old = await tx.query<{ id: string }>(
      `SELECT id FROM directory_import WHERE trust_id = $1 AND status NOT IN ('running', 'awaiting_confirmation') AND NOT coalesce((report->>'recordsPruned')::boolean, false)
       ORDER BY started_at DESC OFFSET ${KEEP_RECORD_REPORTS}`,
      [trustId],
    );
    if (old.length === 0) return;
    const ids = old.map((o) => o.id);
    await tx.query('DELETE FROM directory_import_record WHERE import_id = ANY($1::uuid[])', [ids]);
    await tx.query('DELETE FROM directory_import_service WHERE import_id = ANY($1::uuid[])', [ids]);
    await tx.query(`UPDATE directory_import SET report = coalesce(report, '{}'::jsonb) || '{"recordsPruned": true}' WHERE id = ANY($1::uuid[])`, [ids]);
  });
}

/** The trust's import with this id; null for an unknown id or another trust's import. */
export async function findJob(db: Queryable, trustId: string, id: string): Promise<ImportJob | null> {
  const [row] = await db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM directory_import WHERE id = $1 AND trust_id = $2`, [id, trustId]);
  return row ? jobOf(row) : null;
}

/** The trust's imports, newest first. */
export async function listJobs(db: Queryable, trustId: string, options: { limit: number; source?: string; before?: string }): Promise<ImportJob[]> {
  const rows = await db.query<JobRow>(
    `SELECT ${JOB_COLUMNS} FROM directory_import WHERE trust_id = $1 AND ($2::text IS NULL OR source = $2) AND ($3::timestamptz IS NULL OR started_at < $3)
     ORDER BY started_at DESC, id LIMIT $4`,
    [trustId, options.source ?? null, options.before ?? null, options.limit],
  );
  return rows.map(jobOf);
}

interface RecordRow {
  seq: number;
  place: string;
  feed_id: string | null;
  service_id: string | null;
  name: string | null;
  outcome: ImportRecordLine['outcome'];
  first_seq: number | null;
  first_place: string | null;
  copies: { seq: number; place: string }[] | null;
  defects: ImportRecordLine['defects'];
}

/** A page of an import's per-record report, in feed order (the caller has checked the import is the trust's). */
export async function recordPage(db: Queryable, importId: string, options: { after: number; limit: number; outcome?: ImportRecordLine['outcome'] }): Promise<{ records: ImportRecordLine[]; next: number | null }> {
  const rows = await db.query<RecordRow>(
    `SELECT r.seq, r.place, r.feed_id, r.service_id, r.name, r.outcome, r.first_seq, f.place AS first_place, r.defects,
       (SELECT jsonb_agg(jsonb_build_object('seq', c.seq, 'place', c.place) ORDER BY c.seq) FROM directory_import_record c WHERE c.import_id = r.import_id AND c.first_seq = r.seq) AS copies
     FROM directory_import_record r
     LEFT JOIN directory_import_record f ON f.import_id = r.import_id AND f.seq = r.first_seq
     WHERE r.import_id = $1 AND r.seq > $2 AND ($3::text IS NULL OR r.outcome = $3)
     ORDER BY r.seq LIMIT $4`,
    [importId, options.after, options.outcome ?? null, options.limit + 1],
  );
  const page = rows.slice(0, options.limit);
  return {
    records: page.map((r) => ({
      seq: r.seq,
      place: r.place,
      feedId: r.feed_id,
      name: r.name,
      serviceId: r.service_id,
      outcome: r.outcome,
      firstCopy: r.first_seq === null ? null : { seq: r.first_seq, place: r.first_place ?? '' },
      copies: r.copies ?? [],
      defects: r.defects,
    })),
    next: rows.length > options.limit ? page.at(-1)!.seq : null,
  };
}

/** A page of the services an import withdrew or would withdraw, by id. */
export async function withdrawalPage(db: Queryable, importId: string, options: { after: string; limit: number }): Promise<{ services: { id: string; name: string | null }[]; next: string | null }> {
  const rows = await db.query<{ service_id: string; name: string | null }>(
    'SELECT service_id, name FROM directory_import_withdrawal WHERE import_id = $1 AND service_id > $2 ORDER BY service_id LIMIT $3',
    [importId, options.after, options.limit + 1],
  );
  const page = rows.slice(0, options.limit);
  return { services: page.map((r) => ({ id: r.service_id, name: r.name })), next: rows.length > options.limit ? page.at(-1)!.service_id : null };
}

/**
 * Takes the decision on a held import, once: the import moves from awaiting_confirmation to
 * `running` (confirmed, being published) or `refused`. False when it was not waiting (already
 * decided by someone else, superseded, or never held).
 */
export async function claimDecision(db: Queryable, trustId: string, id: string, action: 'confirmed' | 'refused', userId: string, summary?: string): Promise<boolean> {
  const rows = await db.query(
    `UPDATE directory_import SET status = $3, decided_by = $4, decided_at = now(), heartbeat_at = now(),
       finished_at = CASE WHEN $3 = 'refused' THEN now() ELSE NULL END,
       report = CASE WHEN $5::text IS NULL THEN report ELSE report || jsonb_build_object('summary', $5::text) END
     WHERE id = $1 AND trust_id = $2 AND status = 'awaiting_confirmation' RETURNING id`,
    [id, trustId, action === 'confirmed' ? 'running' : 'refused', userId, summary ?? null],
  );
  return rows.length === 1;
}

/** The report as stored, to carry on from (a held import being confirmed). */
export async function storedReport(db: Queryable, id: string): Promise<StoredReport | null> {
  const [row] = await db.query<{ report: StoredReport | null }>('SELECT report FROM directory_import WHERE id = $1', [id]);
  return row?.report ?? null;
}
