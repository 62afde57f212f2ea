import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { ServerConfig } from '../config';
import {
  checkImportOptions, FeedProblems, importStream, loadTabularDirectory, parseAllowList, type FeedInput, type FetchOptions, type ImportCounts, type ImportedRecord,
  type ImportOptions,
} from '../import';
import { countRecord, emptyCounts } from '../import/import-records';
import { postcodeCentroids } from './centroids';
import { claimDecision, createJob, dropStaged, findJob, finishJob, heartbeat, HEARTBEAT_MS, pruneReports, saveRecords, storedReport, type StoredReport } from './import-jobs';
import type { ImportJob, ImportKind, ImportRequest } from './import-report';
import { publishAndDistribute, type Publication, type PublishDeps } from './publisher';
import { getTaxonomyMapping } from './taxonomy-store';

/*
 * An import, from the feed to the published directory, as a job in PostgreSQL (import-jobs.ts):
 *
 * 1. the feed is read record by record (importStream: streamed, with its size and record limits),
 *    each record's outcome written to the per-record report and each publishable service staged,
 *    a batch at a time, so memory stays flat whatever the feed's size;
 * 2. the read is complete only when the whole feed was read and agreed with itself; a partial read
 *    publishes additions and changes and withdraws nothing;
 * 3. a complete read that would withdraw more than IMPORT_WITHDRAWAL_CONFIRM_PERCENT of the trust's
 *    services publishes nothing and waits for an admin to confirm (publish with the withdrawals)
 *    or refuse (publish nothing); any API node can take that decision;
 * 4. an import that yields no service publishes nothing: an empty feed is far likelier a broken
 *    one than a closed directory.
 */

/** What to import: what the admin API accepts, an upload streamed from its request, or (the CLI) a file or folder. */
export type ImportInput =
  | ImportRequest
  | { kind: 'upload'; source: string; stream: AsyncIterable<Uint8Array>; name?: string; complete?: boolean }
  | { kind: 'file'; source: string; file: string; complete?: boolean }
  | { kind: 'folder'; source: string; folder: string; complete?: boolean };

export interface ImportContext {
  /** For feeds read from a URL (tests shorten the timeouts and retries). */
  fetch?: Omit<FetchOptions, 'allow' | 'signal'>;
  /** The import date, YYYY-MM-DD (defaults to today in London). */
  asOf?: string;
}

export interface StartedImport {
  job: ImportJob;
  /** Settles when the import has finished, been held, or failed (never rejects). */
  done: Promise<ImportJob>;
}

const BATCH = 500;

/** A URL without its credentials, for reports. */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.slice(0, 200);
  }
}

function originOf(input: ImportInput): string | null {
  switch (input.kind) {
    case 'url':
      return displayUrl(input.url);
    case 'upload':
      return input.name ? path.basename(input.name).slice(0, 200) : null;
    case 'file':
      return path.basename(input.file);
    case 'folder':
      return path.basename(path.resolve(input.folder));
    case 'tabular':
      return Object.keys(input.tables).slice(0, 5).join(', ') || null;
    default:
      return null;
  }
}

async function feedInputOf(input: ImportInput, config: ServerConfig, context: ImportContext, signal: AbortSignal): Promise<FeedInput> {
  switch (input.kind) {
    case 'url':
      return {
        format: 'api',
        url: input.url,
        fetch: { ...context.fetch, ...(input.perPage ? { perPage: input.perPage } : {}), allow: parseAllowList(config.IMPORT_FETCH_ALLOW), signal },
      };
    case 'document':
      return { format: 'json', document: input.document };
    case 'tabular':
      return { format: 'tabular', package: { tables: input.tables, ...(input.datapackage !== undefined ? { datapackage: input.datapackage } : {}) } };
    case 'upload':
      return { format: 'json-stream', stream: input.stream };
    case 'file':
      return { format: 'json-stream', stream: createReadStream(input.file, { highWaterMark: 256 * 1024 }) };
    case 'folder':
      return { format: 'tabular', package: await loadTabularDirectory(input.folder) };
  }
}

const percent = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

function countsSentence(c: ImportCounts): string {
  return `${c.records} record${c.records === 1 ? '' : 's'} read: ${c.imported} imported, ${c.repaired} imported with repairs, ${c.leftOut} left out, ${c.duplicates} duplicate${c.duplicates === 1 ? '' : 's'}.`;
}

function publishedSentence(p: Publication, complete: boolean): string {
  const { version, changed, put, deleted, unchanged } = p.publish;
  const what = changed ? `Published version ${version}: ${put} added or changed, ${deleted} withdrawn, ${unchanged} unchanged.` : `Nothing changed: the directory stays at version ${version}.`;
  return complete ? what : `${what} Only part of the feed could be read (see its problems), so nothing was withdrawn.`;
}

/** Runs an import's reading and publishing; the job row is already there. Never throws. */
async function runJob(deps: PublishDeps, trustId: string, userId: string, jobId: string, input: ImportInput, context: ImportContext, signal: AbortSignal): Promise<ImportJob> {
  const { db, config } = deps;
  const problems = new FeedProblems();
  const counts = emptyCounts();
  let beat: NodeJS.Timeout | undefined;
  try {
    beat = setInterval(() => void heartbeat(db, jobId, counts.records).catch(() => {}), HEARTBEAT_MS);
    const { mapping } = await getTaxonomyMapping(db, trustId);
    const options: ImportOptions = {
      source: input.source,
      mapping,
      centroids: await postcodeCentroids(),
      ...(context.asOf ? { asOf: context.asOf } : {}),
      limits: { maxBytes: config.IMPORT_MAX_BYTES, maxPageBytes: config.IMPORT_MAX_PAGE_BYTES, maxRecords: config.IMPORT_MAX_RECORDS },
    };
    checkImportOptions(options);
    let batch: ImportedRecord[] = [];
    for await (const record of importStream(await feedInputOf(input, config, context, signal), options, problems)) {
      if (signal.aborted) throw signal.reason;
      countRecord(counts, record);
      batch.push(record);
      if (batch.length >= BATCH) {
        await saveRecords(db, jobId, batch);
        batch = [];
      }
    }
    await saveRecords(db, jobId, batch);
    if (input.complete === false) problems.partial(null, 'Started as part of the feed only: nothing missing from it was withdrawn.');
    if (counts.records === 0 && !problems.isPartial) problems.note(null, 'The feed holds no service records.');
    const complete = !problems.isPartial;
    const report: StoredReport = { complete, counts, problems: problems.list, withdrawals: null, changes: null, snapshot: null, summary: '' };

    if (counts.imported + counts.repaired === 0) {
      const why = counts.records > 0 ? `none of its ${counts.records} records could be imported (see the report)` : (problems.list.find((p) => p.partial)?.reason ?? 'the feed holds no service records');
      report.summary = `Nothing was published: ${why.replace(/\.$/, '')}. The published directory was left as it was.`;
      await finishJob(db, jobId, 'not_published', report);
      await dropStaged(db, jobId);
      return (await findJob(db, trustId, jobId))!;
    }
    return await publishStaged(deps, trustId, jobId, input.source, report, false, userId);
  } catch (e) {
    const aborted = signal.aborted;
    const report: StoredReport = {
      complete: null,
      counts: counts.records > 0 ? counts : null,
      problems: problems.list,
      withdrawals: null,
      changes: null,
      snapshot: null,
      summary: aborted ? 'The import was stopped with the server before it finished; nothing was published. Start it again.' : `The import failed (${(e as Error).message}); nothing was published.`,
    };
    await finishJob(db, jobId, aborted ? 'interrupted' : 'failed', report).catch(() => {});
    await dropStaged(db, jobId).catch(() => {});
    return (await findJob(db, trustId, jobId).catch(() => null)) ?? ({ id: jobId, status: 'failed', summary: report.summary } as ImportJob);
  } finally {
    clearInterval(beat);
  }
}

/** Publishes what an import staged (held back when it would withdraw too much, unless confirmed). */
async function publishStaged(deps: PublishDeps, trustId: string, jobId: string, source: string, report: StoredReport, confirmed: boolean, by: string): Promise<ImportJob> {
  const { db, config } = deps;
  const counts = report.counts!;
  const complete = report.complete === true;
  const share = config.IMPORT_WITHDRAWAL_CONFIRM_PERCENT;
  const published = await publishAndDistribute(deps, trustId, { importId: jobId }, {
    source,
    complete,
    by,
    ...(confirmed ? { confirmedWithdrawals: true } : { holdAboveShare: share / 100 }),
  });
  if ('held' in published) {
    const pct = (100 * published.withdrawals) / Math.max(1, published.live);
    const held: StoredReport = {
      ...report,
      withdrawals: { count: published.withdrawals, trustServices: published.live, confirmAbovePercent: share },
      summary: `${countsSentence(counts)} Waiting for confirmation: publishing it would withdraw ${published.withdrawals} of the trust's ${published.live} services (${percent(pct)} %), more than ${percent(share)} %. Nothing has been published yet: confirm to publish it with these withdrawals, or refuse it.`,
    };
    await finishJob(db, jobId, 'awaiting_confirmation', held);
    return (await findJob(db, trustId, jobId))!;
  }
  const { put, deleted, unchanged, purged, version } = published.publish;
  const done: StoredReport = {
    ...report,
    changes: { put, deleted, unchanged, purged },
    withdrawals: complete ? { count: deleted, trustServices: published.publish.trustServices ?? report.withdrawals?.trustServices ?? 0, confirmAbovePercent: share } : null,
    snapshot: published.snapshot && { sha256: published.snapshot.sha256, bytes: published.snapshot.bytes, version: published.snapshot.version },
    summary: `${countsSentence(counts)} ${publishedSentence(published, complete)}${published.snapshotError ? ` ${published.snapshotError}` : ''}`,
  };
  await finishJob(db, jobId, 'published', done, version);
  await dropStaged(db, jobId);
  await pruneReports(db, trustId).catch(() => {});
  return (await findJob(db, trustId, jobId))!;
}

/**
 * Starts an import for the trust: records the job (ImportBusy when the same feed is already being
 * imported), then reads and publishes it; `done` settles with the finished job. Throws a TypeError
 * for options that are a programming error.
 */
export async function startImport(deps: PublishDeps, trustId: string, userId: string, input: ImportInput, context: ImportContext = {}, signal: AbortSignal = new AbortController().signal): Promise<StartedImport> {
  const id = randomUUID();
  const job = await createJob(deps.db, { id, trustId, source: input.source, kind: input.kind as ImportKind, origin: originOf(input), userId });
  return { job, done: runJob(deps, trustId, userId, id, input, context, signal) };
}

/** Starts an import and waits for it to end. */
export async function runImport(deps: PublishDeps, trustId: string, userId: string, input: ImportInput, context: ImportContext = {}): Promise<ImportJob> {
  return (await startImport(deps, trustId, userId, input, context)).done;
}

/** The import is not waiting for a decision (already decided, superseded, or never held). */
export class NotAwaitingDecision extends Error {}

/**
 * An admin's decision on an import held for confirmation: `confirmed` publishes it with exactly the
 * withdrawals it listed; `refused` publishes nothing. Either is taken once.
 */
export async function decideImport(deps: PublishDeps, trustId: string, userId: string, id: string, action: 'confirmed' | 'refused'): Promise<ImportJob | null> {
  const job = await findJob(deps.db, trustId, id);
  if (!job) return null;
  const summary = action === 'refused' ? `Refused by ${userId}: nothing of this import was published; the published directory was left as it was.` : undefined;
  if (!(await claimDecision(deps.db, trustId, id, action, userId, summary))) {
    throw new NotAwaitingDecision(`This import is ${job.status.replace(/_/g, ' ')}, not waiting for confirmation: nothing was changed.`);
  }
  if (action === 'refused') {
    await dropStaged(deps.db, id);
    return findJob(deps.db, trustId, id);
  }
  const report = (await storedReport(deps.db, id))!;
  try {
    return await publishStaged(deps, trustId, id, job.source, report, true, userId);
  } catch (e) {
    await finishJob(deps.db, id, 'failed', { ...report, summary: `Publishing after confirmation failed (${(e as Error).message}); nothing was published.` });
    await dropStaged(deps.db, id).catch(() => {});
    throw e;
  }
}

/** Imports started by one server process, so that it can stop them when it shuts down. */
export class RunningImports {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();

  async start(deps: PublishDeps, trustId: string, userId: string, input: ImportInput, context: ImportContext): Promise<StartedImport> {
    const controller = new AbortController();
    const started = await startImport(deps, trustId, userId, input, context, controller.signal);
    const done = started.done.finally(() => this.running.delete(started.job.id));
    this.running.set(started.job.id, { controller, done });
    return { job: started.job, done };
  }

  /** Stops every import still running and waits for each to record that it stopped. */
  async close(): Promise<void> {
    for (const r of this.running.values()) r.controller.abort(new Error('the server is stopping'));
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }
}
