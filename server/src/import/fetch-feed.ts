import pRetry, { AbortError } from 'p-retry';
import { AddressRefused, parseAllowList, type AllowList } from './address-guard';
import type { FeedProblems } from './defects';
import type { ReadRecord } from './feed-reader';
import { HttpStatusError, httpGet, UnusableAnswer } from './http-get';
import { isObject } from './json-values';
import { type AssembledRecord, type DocumentSummary, type Paging } from './read-json-document';
import { feedServiceFromJson } from './read-json-service';
import { MalformedJson, streamJsonRecords } from './read-json-stream';
import { FeedTooLarge, type ReadLimits } from './read-limits';

/*
 * Reads a live ORUK/HSDS JSON API: `GET {base}/services?page=N` until the last page, and for each
 * listed service `GET {base}/services/{id}` (list responses may leave out schedules, phones and
 * sites), one page at a time, so that memory does not grow with the feed. Every request goes
 * through http-get.ts (address guard on every hop, size limits while reading, one timeout), and is
 * retried with exponential backoff and jitter on network errors, timeouts, 5xx, 408 and 429
 * (honouring Retry-After); other 4xx, refused addresses, oversized and malformed answers are not.
 *
 * Paging is checked against itself, page by page: the page number each answer gives, the totals
 * of pages and of services every page declares, first/last-page markers, empty and repeated
 * pages, records repeated across pages. Whatever disagrees makes the read partial (reported in
 * `problems` with exactly what disagreed), so that nothing is withdrawn on the strength of it. A
 * listed service whose full record cannot be read is reported as left out, and is never withdrawn.
 * No report quotes an answer's content: an answer that is not a feed is described, not echoed.
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
  /** Addresses beyond the public internet that imports may reach (IMPORT_FETCH_ALLOW). */
  allow?: AllowList | string;
  signal?: AbortSignal;
}

interface Settings {
  timeoutMs: number;
  retries: number;
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
  allow: AllowList;
  signal: AbortSignal | undefined;
  limits: ReadLimits;
  total: { read: number; max: number };
}

function describeFailure(e: unknown, s: Settings): string {
  const error = e instanceof FetchFailed ? e.error : e instanceof AbortError ? e.originalError : e;
  if (error instanceof HttpStatusError) return `the server answered ${error.message}`;
  if (error instanceof AddressRefused || error instanceof UnusableAnswer || error instanceof MalformedJson) return error.message;
  if (error instanceof FeedTooLarge) return `the answer is ${error.message}`;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no complete answer within ${s.timeoutMs / 1000} s`;
  if (error instanceof Error) {
    const code = (error as Error & { code?: string }).code;
    return `a network error (${code ?? error.name})`;
  }
  return 'an unknown error';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Fetched {
  records: AssembledRecord[];
  summary: DocumentSummary;
}

/** A request that failed for good, with how many times it was tried. */
class FetchFailed extends Error {
  constructor(
    readonly error: unknown,
    readonly attempts: number,
  ) {
    super('fetch failed');
  }
}

/** One JSON document from the API, streamed and parsed, with its retries; throws FetchFailed. */
async function getDocument(url: string, s: Settings): Promise<Fetched> {
  let attempts = 0;
  try {
    return await fetchWithRetries(url, s, () => attempts++);
  } catch (e) {
    if (s.signal?.aborted) throw e;
    throw new FetchFailed(e instanceof AbortError ? e.originalError : e, attempts);
  }
}

async function fetchWithRetries(url: string, s: Settings, attempt: () => void): Promise<Fetched> {
  return pRetry(
    async () => {
      attempt();
      const signal = AbortSignal.any([AbortSignal.timeout(s.timeoutMs), ...(s.signal ? [s.signal] : [])]);
      let answer;
      try {
        answer = await httpGet(url, { allow: s.allow, maxBytes: s.limits.maxPageBytes, total: s.total, signal });
      } catch (e) {
        const retryable = e instanceof HttpStatusError ? e.status >= 500 || e.status === 408 || e.status === 429 : !(e instanceof AddressRefused || e instanceof UnusableAnswer);
        throw retryable ? e : new AbortError(e as Error);
      }
      const out: { summary?: DocumentSummary } = {};
      const records: AssembledRecord[] = [];
      try {
        for await (const r of streamJsonRecords(answer.body, out)) records.push(r);
      } catch (e) {
        if (e instanceof MalformedJson) {
          const type = answer.contentType.split(';')[0]!.trim();
          throw new AbortError(new MalformedJson(`the answer is not a JSON document${type && !/json/i.test(type) ? ` (it is ${type.slice(0, 40)})` : ''}: ${e.message}`));
        }
        if (e instanceof FeedTooLarge) throw new AbortError(e);
        throw e;
      }
      return { records, summary: out.summary! };
    },
    {
      retries: s.retries,
      minTimeout: s.minRetryDelayMs,
      maxTimeout: s.maxRetryDelayMs,
      factor: 2,
      randomize: true,
      ...(s.signal ? { signal: s.signal } : {}),
      onFailedAttempt: async ({ error, retriesLeft }) => {
        if (retriesLeft > 0 && error instanceof HttpStatusError && error.retryAfterMs) await sleep(Math.min(error.retryAfterMs, s.maxRetryDelayMs));
      },
    },
  );
}

const idOf = (r: unknown) => (isObject(r) && (typeof r.id === 'string' || typeof r.id === 'number') ? String(r.id).trim() || null : null);
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

/** What the first page declared, to hold later pages to. */
interface Declared {
  totalPages: number | null;
  totalItems: number | null;
  /** The page number the first page gave: 1 (HSDS 3) or 0 (Spring); later pages count on from it. */
  firstNumber: number;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A URL as reports show it: without the credentials it may carry. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * Checks one page's paging against what the first page declared; every disagreement makes the read
 * partial. Returns whether reading should go on after this page.
 */
function checkPage(n: number, paging: Paging, items: number, declared: Declared, problems: FeedProblems): 'more' | 'last' {
  const where = `page ${n}`;
  const expected = declared.firstNumber + n - 1;
  if (paging.pageNumber !== null && paging.pageNumber !== expected) problems.partial(where, `Page ${n} was asked for, but the answer says it is page ${paging.pageNumber}.`);
  if (paging.totalPages !== declared.totalPages && n > 1) {
    problems.partial(where, `Page 1 says the feed has ${declared.totalPages ?? 'an unstated number of'} pages, but page ${n} says ${paging.totalPages ?? 'nothing about it'}.`);
  }
  if (paging.totalItems !== declared.totalItems && n > 1) {
    problems.partial(where, `Page 1 says the feed holds ${declared.totalItems ?? 'an unstated number of'} services, but page ${n} says ${paging.totalItems ?? 'nothing about it'}.`);
  }
  if (paging.firstPage === true && n > 1) problems.partial(where, `Page ${n} says it is the first page.`);
  if (paging.firstPage === false && n === 1) problems.partial(where, 'Page 1 says it is not the first page.');
  if (paging.size !== null && items > paging.size) problems.partial(where, `Page ${n} lists ${plural(items, 'record')}, more than its page size of ${paging.size}.`);
  const total = declared.totalPages;
  if (items === 0) {
    if (total !== null && n < total) problems.partial(where, `Page ${n} is empty, but the feed says it has ${plural(total, 'page')}.`);
    if (paging.lastPage === false) problems.partial(where, `Page ${n} is empty, but says it is not the last page.`);
    return 'last';
  }
  if (paging.lastPage === true && total !== null && n < total) {
    problems.partial(where, `Page ${n} says it is the last page, but the feed says it has ${plural(total, 'page')}; the rest were read too.`);
    return 'more';
  }
  if (total !== null && n >= total) {
    if (paging.lastPage === false) problems.partial(where, `Page ${n} is the last of the ${plural(total, 'page')} the feed declares, but says it is not the last page.`);
    return 'last';
  }
  if (paging.lastPage === true) return 'last';
  return 'more';
}

function settingsOf(options: FetchOptions, limits: ReadLimits): Settings {
  return {
    timeoutMs: options.timeoutMs ?? 30_000,
    retries: options.retries ?? 3,
    minRetryDelayMs: options.minRetryDelayMs ?? 500,
    maxRetryDelayMs: options.maxRetryDelayMs ?? 10_000,
    allow: typeof options.allow === 'string' || options.allow === undefined ? parseAllowList(options.allow) : options.allow,
    signal: options.signal,
    limits,
    total: { read: 0, max: limits.maxBytes },
  };
}

/**
 * The records of a live ORUK/HSDS API, page by page, each with its place (`page 2, item 5`). Every
 * listed record is yielded once for each time it is listed (repeats are the pipeline's duplicates,
 * and their full record is not fetched again). Feed-level problems go into `problems`.
 */
export async function* readApi(baseUrl: string, options: FetchOptions, problems: FeedProblems, limits: ReadLimits): AsyncGenerator<ReadRecord> {
  const s = settingsOf(options, limits);
  const base = baseUrl.replace(/\/+$/, '');
  const maxPages = options.maxPages ?? 1000;
  const listed = new Map<string, number>();
  let listedItems = 0;
  let declared: Declared | null = null;
  let readToEnd = false;

  for (let n = 1; ; n++) {
    if (n > maxPages) {
      problems.partial(`page ${n}`, `Reading stopped after ${maxPages} pages; any later pages were not read.`);
      break;
    }
    const url = `${base}/services?page=${n}${options.perPage ? `&per_page=${options.perPage}` : ''}`;
    let page: Fetched;
    try {
      page = await getDocument(url, s);
    } catch (e) {
      if (!(e instanceof FetchFailed)) throw e;
      const error = e.error;
      if (error instanceof FeedTooLarge && error.limit === s.total.max) {
        problems.partial(`page ${n}`, `Reading stopped at page ${n}: the feed is larger than the ${s.total.max} bytes accepted (IMPORT_MAX_BYTES); later pages were not read.`);
        break;
      }
      const more = declared?.totalPages !== null && declared?.totalPages !== undefined && n < declared.totalPages;
      problems.partial(`page ${n}`, `Page ${n} (${shown(url)}) could not be read after ${plural(e.attempts, 'attempt')}: ${describeFailure(e, s)}. The services on it were not read${more ? '' : ', and reading stopped there'}.`);
      if (more && !(error instanceof AddressRefused)) continue;
      break;
    }
    const { summary } = page;
    if (summary.kind === 'not-a-feed') {
      problems.partial(`page ${n}`, `Page ${n} (${shown(url)}): ${summary.reason}`);
      break;
    }
    const items = page.records;
    let next: 'more' | 'last';
    if (!summary.paging) {
      // A bare list or a single record: the API does not page, so this is all of it — unless an earlier page did.
      if (declared) problems.partial(`page ${n}`, `Page ${n} gives no paging information, although page 1 did.`);
      next = 'last';
    } else {
      declared ??= { totalPages: summary.paging.totalPages, totalItems: summary.paging.totalItems, firstNumber: summary.paging.pageNumber === 0 ? 0 : 1 };
      if (n === 1 && summary.paging.pageNumber !== null && summary.paging.pageNumber > 1) problems.partial('page 1', `Page 1 was asked for, but the answer says it is page ${summary.paging.pageNumber}.`);
      next = checkPage(n, summary.paging, summary.items, declared, problems);
    }

    const seenBefore = items.filter((r) => {
      const id = idOf(r.record);
      return id !== null && listed.has(id);
    });
    if (items.length > 0 && seenBefore.length === items.length) {
      const earlier = [...new Set(seenBefore.map((r) => listed.get(idOf(r.record)!)!))].sort((a, b) => a - b);
      problems.partial(`page ${n}`, `Page ${n} repeats records already read (all ${plural(items.length, 'record')} came on page ${earlier.join(', ')}): the API may be ignoring ?page=. Reading stopped there.`);
      next = 'last';
    } else if (seenBefore.length > 0) {
      problems.partial(`page ${n}`, `${plural(seenBefore.length, 'record')} on page ${n} came on an earlier page too: the list may have changed while it was read, so others may have been missed.`);
    }
    listedItems += summary.items;

    const fresh = new Set<string>();
    for (const r of items) {
      const id = idOf(r.record);
      if (id !== null && !listed.has(id)) {
        listed.set(id, n);
        fresh.add(id);
      }
    }
    const place = (r: AssembledRecord) => `page ${n}, item ${r.index + 1}`;
    const wanted = options.details === false ? [] : items.filter((r) => {
      const id = idOf(r.record);
      return id !== null && fresh.delete(id);
    });
    const details = new Map<AssembledRecord, ReadRecord>();
    await inPool(wanted, options.concurrency ?? 4, async (item) => {
      const id = idOf(item.record)!;
      const detailUrl = `${base}/services/${encodeURIComponent(id)}`;
      let document: Fetched;
      try {
        document = await getDocument(detailUrl, s);
      } catch (e) {
        if (!(e instanceof FetchFailed)) throw e;
        details.set(item, { place: place(item), unreadable: `Its full record (${shown(detailUrl)}) could not be read after ${plural(e.attempts, 'attempt')}: ${describeFailure(e, s)}; not imported this time (a version published earlier stays).`, id, name: nameOf(item.record) });
        return;
      }
      const { summary: what, records: found } = document;
      const record = what.kind === 'services' && found.length === 1 ? found[0]!.record : undefined;
      if (!isObject(record) || idOf(record) !== id) {
        const why = what.kind === 'not-a-feed' ? ` (${what.reason})` : found.length !== 1 ? ` (it holds ${plural(found.length, 'record')})` : isObject(record) ? ` (it has the id ${idOf(record) ?? 'none'})` : '';
        details.set(item, { place: place(item), unreadable: `Its full record (${shown(detailUrl)}) is not a single service with the id ${id}${why}; not imported this time (a version published earlier stays).`, id, name: nameOf(item.record) });
        return;
      }
      details.set(item, { place: place(item), record: feedServiceFromJson(record) });
    });
    for (const item of items) {
      yield details.get(item) ?? (isObject(item.record) ? { place: place(item), record: feedServiceFromJson(item.record) } : { place: place(item), notAService: item.record });
    }
    if (next === 'last') {
      readToEnd = true;
      break;
    }
  }

  if (readToEnd && declared?.totalItems !== null && declared?.totalItems !== undefined && listedItems !== declared.totalItems) {
    problems.partial(null, `The feed says it holds ${plural(declared.totalItems, 'service')}, but its pages listed ${listedItems}${listed.size !== listedItems ? ` (${listed.size} different)` : ''}.`);
  }
}
