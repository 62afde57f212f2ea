import pRetry, { AbortError } from 'p-retry';
import { DefectLog, type ImportDefect } from './defects';
import { importFeed, checkImportOptions, type ImportOptions, type ImportResult } from './import-feed';
import { isObject } from './json-values';
import { readJsonDocument } from './read-json-document';

/*
 * Reads a live ORUK/HSDS JSON API: `GET {base}/services?page=N` until the last page, then
 * `GET {base}/services/{id}` for each listed service (list responses may leave out schedules,
 * phones and sites). Every request has a timeout and is retried with exponential backoff and
 * jitter on network errors, timeouts, 5xx, 408 and 429 (honouring Retry-After); other 4xx and
 * malformed JSON are not retried. A page or record that still fails is reported and the rest of
 * the feed is read. `complete` says whether everything listed was read: when it is false the
 * server must not treat services missing from this import as withdrawn.
 */

export interface FetchOptions {
  /** Per request, including reading the body (default 30 s). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 3). */
  retries?: number;
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Stop after this many list pages (default 1000). */
  maxPages?: number;
  /** Ask for this many services per page (`per_page`); the API's default when absent. */
  perPage?: number;
  /** Fetch `/services/{id}` for each listed service (default true). */
  details?: boolean;
  /** Detail requests in flight at once (default 4). */
  concurrency?: number;
  /** Largest response accepted (default 50 MB). */
  maxBodyBytes?: number;
  fetch?: typeof globalThis.fetch;
  signal?: AbortSignal;
}

export interface FetchedFeed {
  /** Service records in feed order: detail records, or list items where no detail was fetched. */
  records: unknown[];
  /** Listed services whose detail could not be read (each reported in `defects`). */
  failedRecords: number;
  defects: ImportDefect[];
  pagesRead: number;
  complete: boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | null,
  ) {
    super(`HTTP ${status}`);
  }
}

class MalformedResponse extends Error {}

function retryAfterMs(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}

function describeFailure(e: unknown, timeoutMs: number): string {
  const error = e instanceof AbortError ? e.originalError : e;
  if (error instanceof HttpError) return `the server answered ${error.message}`;
  if (error instanceof MalformedResponse) return error.message;
  if (error instanceof Error && error.name === 'TimeoutError') return `no complete answer within ${timeoutMs / 1000} s`;
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return `a network error (${cause?.code ?? cause?.message ?? error.message})`;
  }
  return 'an unknown error';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Settings {
  timeoutMs: number;
  retries: number;
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
  maxBodyBytes: number;
  fetch: typeof globalThis.fetch;
  signal: AbortSignal | undefined;
}

async function getJson(url: string, s: Settings): Promise<unknown> {
  return pRetry(
    async () => {
      const signals = [AbortSignal.timeout(s.timeoutMs), ...(s.signal ? [s.signal] : [])];
      const response = await s.fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.any(signals) });
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        const error = new HttpError(response.status, retryAfterMs(response.headers.get('retry-after')));
        const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
        throw retryable ? error : new AbortError(error);
      }
      const length = Number(response.headers.get('content-length'));
      if (Number.isFinite(length) && length > s.maxBodyBytes) {
        await response.body?.cancel().catch(() => {});
        throw new AbortError(new MalformedResponse(`the answer is ${length} bytes, more than the ${s.maxBodyBytes} accepted`));
      }
      const text = await response.text();
      if (text.length > s.maxBodyBytes) throw new AbortError(new MalformedResponse(`the answer is more than the ${s.maxBodyBytes} bytes accepted`));
      try {
        return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
      } catch (e) {
        throw new AbortError(new MalformedResponse(`the answer is not valid JSON (${(e as Error).message.slice(0, 120)})`));
      }
    },
    {
      retries: s.retries,
      minTimeout: s.minRetryDelayMs,
      maxTimeout: s.maxRetryDelayMs,
      factor: 2,
      randomize: true,
      ...(s.signal ? { signal: s.signal } : {}),
      onFailedAttempt: async ({ error, retriesLeft }) => {
        if (retriesLeft > 0 && error instanceof HttpError && error.retryAfterMs) await sleep(Math.min(error.retryAfterMs, s.maxRetryDelayMs));
      },
    },
  );
}

const idOf = (r: unknown) => (isObject(r) && (typeof r.id === 'string' || typeof r.id === 'number') ? String(r.id) : null);
const nameOf = (r: unknown) => (isObject(r) && typeof r.name === 'string' ? r.name.slice(0, 300) : null);

/** Runs `work` over `items` with at most `limit` in flight, results in input order. */
async function inPool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export async function fetchServiceRecords(baseUrl: string, source: string, options: FetchOptions = {}): Promise<FetchedFeed> {
  const s: Settings = {
    timeoutMs: options.timeoutMs ?? 30_000,
    retries: options.retries ?? 3,
    minRetryDelayMs: options.minRetryDelayMs ?? 500,
    maxRetryDelayMs: options.maxRetryDelayMs ?? 10_000,
    maxBodyBytes: options.maxBodyBytes ?? 50 * 1024 * 1024,
    fetch: options.fetch ?? globalThis.fetch,
    signal: options.signal,
  };
  const attempts = s.retries + 1;
  const log = new DefectLog(source);
  const base = baseUrl.replace(/\/+$/, '');
  const maxPages = options.maxPages ?? 1000;
  let complete = true;
  let pagesRead = 0;
  let totalPages: number | null = null;
  const listed: unknown[] = [];
  const seen = new Set<string>();

  for (let page = 1; ; page++) {
    if (page > maxPages) {
      log.feed(null, 'warning', `Reading stopped after ${maxPages} pages; any later pages were not imported.`);
      complete = false;
      break;
    }
    const url = `${base}/services?page=${page}${options.perPage ? `&per_page=${options.perPage}` : ''}`;
    let document: unknown;
    try {
      document = await getJson(url, s);
    } catch (e) {
      if (s.signal?.aborted) throw e;
      complete = false;
      const more = totalPages !== null && page < totalPages;
      log.feed(`page ${page}`, 'skipped', `Page ${page} (${url}) could not be read after ${attempts} attempts: ${describeFailure(e, s.timeoutMs)}. The services on it were not imported${more ? '' : ', and reading stopped there'}.`);
      if (more) continue;
      break;
    }
    pagesRead++;
    const reading = readJsonDocument(document);
    if (reading.kind === 'not-a-feed') {
      log.feed(`page ${page}`, 'skipped', `Page ${page} (${url}): ${reading.reason}`);
      complete = false;
      break;
    }
    if (!reading.paging) {
      // A bare list or a single record: the API does not page, so this is all of it.
      listed.push(...reading.records);
      break;
    }
    totalPages = reading.paging.totalPages ?? totalPages;
    const fresh = reading.records.filter((r) => {
      const id = idOf(r);
      if (id === null) return true;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    if (reading.records.length > 0 && fresh.length === 0) {
      log.feed(`page ${page}`, 'warning', `Page ${page} repeated services already read (the API seems to ignore ?page=); reading stopped there.`);
      break;
    }
    listed.push(...fresh);
    if (reading.records.length === 0 || reading.paging.lastPage === true || (totalPages !== null && page >= totalPages)) break;
  }

  if (options.details === false) return { records: listed, failedRecords: 0, defects: log.defects, pagesRead, complete };

  let failedRecords = 0;
  const detailed = await inPool(listed, options.concurrency ?? 4, async (item): Promise<unknown[]> => {
    const id = idOf(item);
    if (id === null) return [item];
    const url = `${base}/services/${encodeURIComponent(id)}`;
    const d = log.forRecord(id, nameOf(item));
    let document: unknown;
    try {
      document = await getJson(url, s);
    } catch (e) {
      if (s.signal?.aborted) throw e;
      failedRecords++;
      d.skip(null, `Its full record (${url}) could not be read after ${attempts} attempts: ${describeFailure(e, s.timeoutMs)}; not imported this time.`);
      return [];
    }
    const reading = readJsonDocument(document);
    if (reading.kind !== 'services' || reading.records.length !== 1 || !isObject(reading.records[0])) {
      failedRecords++;
      d.skip(null, `Its full record (${url}) is not a single service${reading.kind === 'not-a-feed' ? ` (${reading.reason})` : ''}; not imported this time.`);
      return [];
    }
    return reading.records;
  });
  if (failedRecords > 0) complete = false;
  return { records: detailed.flat(), failedRecords, defects: log.defects, pagesRead, complete };
}

/** Fetches a live feed and imports it; see fetchServiceRecords and importFeed. */
export async function importFromApi(baseUrl: string, options: ImportOptions & { fetch?: FetchOptions }): Promise<ImportResult & { complete: boolean }> {
  checkImportOptions(options);
  const fetched = await fetchServiceRecords(baseUrl, options.source, options.fetch);
  const nothingRead = fetched.records.length === 0 && fetched.defects.length > 0;
  const result = nothingRead ? { services: [], defects: [], stats: { read: 0, imported: 0, skipped: 0, repaired: 0 } } : importFeed({ format: 'records', records: fetched.records }, options);
  return {
    services: result.services,
    defects: [...fetched.defects, ...result.defects],
    stats: { ...result.stats, read: result.stats.read + fetched.failedRecords, skipped: result.stats.skipped + fetched.failedRecords },
    complete: fetched.complete,
  };
}
