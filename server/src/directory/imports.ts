import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../db/db';
import { importFeed, importFromApi, type FetchOptions, type ImportDefect, type ImportOptions, type ImportStats } from '../import';
import { readJsonDocument } from '../import/read-json-document';
import { postcodeCentroids } from './centroids';
import { publishAndDistribute, type PublishDeps } from './publisher';
import { getTaxonomyMapping } from './taxonomy-store';

// The importer's rule for a feed's key (it prefixes every service id with it).
const SourceKey = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,39}$/i, "a short key of letters, digits, '.', '_' or '-' (at most 40)");
/** false: this is part of the feed only, so nothing missing from it is withdrawn. */
const Complete = z.boolean().optional();

export const ImportRequest = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('url'),
    source: SourceKey,
    /** The base of an ORUK/HSDS JSON API: {url}/services?page=N, then {url}/services/{id}. */
    url: z.url({ protocol: /^https?$/ }).max(2000),
    perPage: z.number().int().min(1).max(1000).optional(),
    complete: Complete,
  }),
  z.object({ kind: z.literal('document'), source: SourceKey, document: z.unknown(), complete: Complete }),
  z.object({
    kind: z.literal('tabular'),
    source: SourceKey,
    /** File name → CSV text. */
    tables: z.record(z.string().min(1).max(200), z.string()),
    datapackage: z.string().optional(),
    complete: Complete,
  }),
]);
export type ImportRequest = z.infer<typeof ImportRequest>;

export const ImportDefectSchema = z.object({
  source: z.string(),
  recordId: z.string().nullable(),
  recordName: z.string().nullable(),
  field: z.string().nullable(),
  severity: z.enum(['skipped', 'repaired', 'warning']),
  reason: z.string(),
});

const Counts = z.object({ read: z.number().int(), imported: z.number().int(), skipped: z.number().int(), repaired: z.number().int() });
const Changes = z.object({ put: z.number().int(), deleted: z.number().int(), unchanged: z.number().int(), purged: z.number().int() });

export const ImportReport = z.object({
  id: z.uuid(),
  source: z.string(),
  status: z.enum(['running', 'finished', 'failed']),
  startedAt: z.iso.datetime({ offset: true }),
  finishedAt: z.iso.datetime({ offset: true }).nullable(),
  /** Whether the import was the whole feed; only a complete import withdraws services missing from it. */
  complete: z.boolean().nullable(),
  stats: Counts.nullable(),
  changes: Changes.nullable(),
  defects: z.array(ImportDefectSchema),
  /** The directory version that includes this import; null when nothing was published. */
  publishedVersion: z.number().int().nullable(),
  snapshot: z.object({ sha256: z.string(), bytes: z.number().int(), version: z.number().int() }).nullable(),
});
export type ImportReport = z.infer<typeof ImportReport>;

/** What is kept in directory_import.stats. */
interface StoredStats {
  import: ImportStats;
  complete: boolean;
  changes: z.infer<typeof Changes> | null;
  snapshot: ImportReport['snapshot'];
}

interface ImportRow {
  id: string;
  source: string;
  started_at: Date;
  finished_at: Date | null;
  stats: StoredStats | null;
  defects: ImportDefect[] | null;
  published_version: number | null;
}

function reportOf(r: ImportRow): ImportReport {
  return {
    id: r.id,
    source: r.source,
    status: r.finished_at === null ? 'running' : r.stats === null ? 'failed' : 'finished',
    startedAt: new Date(r.started_at).toISOString(),
    finishedAt: r.finished_at === null ? null : new Date(r.finished_at).toISOString(),
    complete: r.stats?.complete ?? null,
    stats: r.stats?.import ?? null,
    changes: r.stats?.changes ?? null,
    defects: r.defects ?? [],
    publishedVersion: r.published_version,
    snapshot: r.stats?.snapshot ?? null,
  };
}

/** The trust's import with this id; null for an unknown id or another trust's import. */
export async function findImport(db: Queryable, trustId: string, id: string): Promise<ImportReport | null> {
  const [row] = await db.query<ImportRow>('SELECT id, source, started_at, finished_at, stats, defects, published_version FROM directory_import WHERE id = $1 AND trust_id = $2', [id, trustId]);
  return row ? reportOf(row) : null;
}

const feedDefect = (source: string, severity: ImportDefect['severity'], reason: string): ImportDefect => ({ source, recordId: null, recordName: null, field: null, severity, reason });

/** One page of a paged list: the rest of the feed is elsewhere, so the page is not the whole feed. */
function isOnePageOfMany(document: unknown): boolean {
  const reading = readJsonDocument(document);
  return reading.kind === 'services' && reading.paging !== null && ((reading.paging.totalPages ?? 1) > 1 || reading.paging.lastPage === false);
}

async function readFeed(request: ImportRequest, options: ImportOptions & { fetch?: FetchOptions }) {
  switch (request.kind) {
    case 'url':
      return importFromApi(request.url, { ...options, fetch: { ...options.fetch, ...(request.perPage ? { perPage: request.perPage } : {}) } });
    case 'document':
      return { ...importFeed({ format: 'json', document: request.document }, options), complete: !isOnePageOfMany(request.document) };
    case 'tabular': {
      const tabular = { tables: request.tables, ...(request.datapackage !== undefined ? { datapackage: request.datapackage } : {}) };
      return { ...importFeed({ format: 'tabular', package: tabular }, options), complete: true };
    }
  }
}

export interface ImportContext {
  /** For feeds read from a URL (tests point it at a local server). */
  fetch?: FetchOptions;
  /** The import date, YYYY-MM-DD (defaults to today in London). */
  asOf?: string;
}

/**
 * Imports a feed for the caller's trust with the trust's taxonomy mapping, publishes what it
 * yields and records the report in directory_import. The import counts as the whole feed only when
 * everything listed was read and no part of the feed was unreadable; an import that yields no
 * services publishes nothing (an empty feed is far likelier a broken one than a closed directory).
 */
export async function runImport(deps: PublishDeps, trustId: string, userId: string, request: ImportRequest, context: ImportContext = {}): Promise<ImportReport> {
  const id = randomUUID();
  const { db } = deps;
  await db.query('INSERT INTO directory_import (id, trust_id, source, started_at, started_by) VALUES ($1, $2, $3, now(), $4)', [id, trustId, request.source, userId]);
  try {
    const { mapping } = await getTaxonomyMapping(db, trustId);
    const options: ImportOptions & { fetch?: FetchOptions } = {
      source: request.source,
      mapping,
      centroids: await postcodeCentroids(),
      ...(context.asOf ? { asOf: context.asOf } : {}),
      ...(context.fetch ? { fetch: context.fetch } : {}),
    };
    const result = await readFeed(request, options);
    const defects = [...result.defects];
    const partlyUnreadable = defects.some((d) => d.recordId === null && d.severity === 'skipped');
    const complete = result.complete && !partlyUnreadable && request.complete !== false;
    let stats: StoredStats = { import: result.stats, complete, changes: null, snapshot: null };
    let publishedVersion: number | null = null;

    if (result.services.length === 0) {
      defects.push(feedDefect(request.source, 'warning', 'Nothing was published: the import gave no services, so the published directory was left as it was.'));
    } else {
      if (!complete) defects.push(feedDefect(request.source, 'warning', 'Only part of the feed was read, so services missing from it were kept as they were (not withdrawn).'));
      const published = await publishAndDistribute(deps, trustId, result.services, { source: request.source, complete });
      const { put, deleted, unchanged, purged, version } = published.publish;
      publishedVersion = version;
      const snapshot = published.snapshot && { sha256: published.snapshot.sha256, bytes: published.snapshot.bytes, version: published.snapshot.version };
      stats = { ...stats, changes: { put, deleted, unchanged, purged }, snapshot };
      if (published.snapshotError) defects.push(feedDefect(request.source, 'warning', published.snapshotError));
    }
    const [row] = await db.query<ImportRow>(
      `UPDATE directory_import SET finished_at = now(), stats = $2, defects = $3, published_version = $4 WHERE id = $1
       RETURNING id, source, started_at, finished_at, stats, defects, published_version`,
      [id, JSON.stringify(stats), JSON.stringify(defects), publishedVersion],
    );
    return reportOf(row!);
  } catch (e) {
    const reason = `The import failed (${(e as Error).message}); nothing was published.`;
    await db.query('UPDATE directory_import SET finished_at = now(), defects = $2 WHERE id = $1', [id, JSON.stringify([feedDefect(request.source, 'skipped', reason)])]).catch(() => {});
    throw e;
  }
}
