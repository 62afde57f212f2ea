import type { DirectoryService } from '../../../shared/domain/directory';
import { englandAndWalesCalendar, type BankHolidayCalendar } from '../../../shared/lib/bank-holidays';
import { dayNumberOf, londonDateOf } from '../../../shared/lib/calendar';
import type { PostcodeCentroids } from '../../../shared/lib/postcode-centroids';
import { FeedProblems, type FeedProblem } from './defects';
import { readApi, type FetchOptions } from './fetch-feed';
import type { ReadRecord } from './feed-reader';
import { countRecord, emptyCounts, importRecords, type ImportCounts, type ImportedRecord } from './import-records';
import { isObject } from './json-values';
import type { MapContext } from './map-service';
import { assembleDocument, type DocumentSummary } from './read-json-document';
import { MalformedJson, streamJsonRecords } from './read-json-stream';
import { feedServiceFromJson } from './read-json-service';
import { countBytes, DEFAULT_READ_LIMITS, FeedTooLarge, type ReadLimits } from './read-limits';
import { readTabular, type TabularPackage } from './read-tabular';
import { TaxonomyMapping } from './taxonomy-mapping';

/**
 * What to import: a JSON document (parsed, as text, or as a stream of bytes from a file or an
 * upload), a tabular package, service records one by one, or a live ORUK/HSDS API.
 */
export type FeedInput =
  | { format: 'json'; document: unknown }
  | { format: 'json-text'; text: string }
  | { format: 'json-stream'; stream: AsyncIterable<Uint8Array> }
  | { format: 'tabular'; package: TabularPackage }
  | { format: 'records'; records: unknown[] }
  | { format: 'api'; url: string; fetch?: FetchOptions };

export interface ImportOptions {
  /** Short key of the feed ("lambeth-oruk"); prefixes every id so that feeds never collide. */
  source: string;
  mapping: TaxonomyMapping;
  centroids: PostcodeCentroids;
  /** The import date, 'YYYY-MM-DD' in London; defaults to today. Schedules are resolved against it. */
  asOf?: string;
  /** How far ahead dated schedules are spelled out as exceptions (default 366 days). */
  horizonDays?: number;
  bankHolidays?: BankHolidayCalendar;
  /** How much of the feed is read at most (defaults: DEFAULT_READ_LIMITS). */
  limits?: Partial<ReadLimits>;
}

export interface ImportResult {
  services: DirectoryService[];
  /** Every record read, in feed order: what became of it and why. */
  records: ImportedRecord[];
  /** Problems with the feed as a whole, in the order found. */
  problems: FeedProblem[];
  counts: ImportCounts;
  /** The whole feed was read and it agreed with itself: only then may services missing from it be withdrawn. */
  complete: boolean;
}

const SOURCE_KEY = /^[a-z0-9][a-z0-9._-]{0,39}$/i;

export function contextOf(options: ImportOptions): MapContext {
  if (!SOURCE_KEY.test(options.source)) throw new TypeError(`source must be a short key of letters, digits, '.', '_' or '-', not “${options.source}”`);
  const asOf = options.asOf ?? londonDateOf(Date.now());
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new TypeError(`asOf must be a date as YYYY-MM-DD, not “${asOf}”`);
  return {
    source: options.source,
    mapping: TaxonomyMapping.parse(options.mapping),
    centroids: options.centroids,
    schedule: { asOf: dayNumberOf(asOf), horizonDays: options.horizonDays ?? 366, calendar: options.bankHolidays ?? englandAndWalesCalendar() },
  };
}

/** Throws a TypeError for options that are a programming error (a bad source key or date, an invalid mapping). */
export function checkImportOptions(options: ImportOptions): void {
  contextOf(options);
}

export const limitsOf = (options: { limits?: Partial<ReadLimits> }): ReadLimits => ({ ...DEFAULT_READ_LIMITS, ...options.limits });

const asRecord = (place: string, item: unknown): ReadRecord => (isObject(item) ? { place, record: feedServiceFromJson(item) } : { place, notAService: item });

/** What a whole document (not one page of an API) says about itself, checked against what it held. */
export function checkDocument(summary: DocumentSummary, problems: FeedProblems, where: string | null): void {
  if (summary.kind === 'not-a-feed') {
    problems.partial(where, summary.reason);
    return;
  }
  const { paging, items } = summary;
  if (!paging) return;
  const pageOfMany = (paging.totalPages ?? 1) > 1 || paging.lastPage === false;
  if (pageOfMany) {
    problems.partial(
      where,
      `This document is one page${paging.totalPages ? ` of ${paging.totalPages}` : ''} of a paged list; only its ${items} records were read and nothing was withdrawn. Import from the API's address to read every page.`,
    );
  } else if (paging.totalItems !== null && paging.totalItems !== items) {
    problems.partial(where, `The document says it holds ${paging.totalItems} services (its total) but lists ${items}; nothing was withdrawn.`);
  }
}

/** A JSON document's records, item by item, whichever way it arrived. */
async function* jsonRecords(input: Extract<FeedInput, { format: 'json' | 'json-text' | 'json-stream' }>, problems: FeedProblems, limits: ReadLimits): AsyncGenerator<ReadRecord> {
  const place = (index: number) => `item ${index + 1}`;
  if (input.format === 'json-stream') {
    const out: { summary?: DocumentSummary } = {};
    try {
      for await (const r of streamJsonRecords(countBytes(input.stream, limits.maxBytes, { read: 0 }), out)) yield asRecord(place(r.index), r.record);
    } catch (e) {
      if (e instanceof MalformedJson) problems.partial(null, `The feed could not be read to its end: ${e.message}. The records before that point were read; nothing was withdrawn.`);
      else if (e instanceof FeedTooLarge) problems.partial(null, `Reading stopped: the feed is larger than the ${limits.maxBytes} bytes accepted (IMPORT_MAX_BYTES); nothing after that point was read and nothing was withdrawn.`);
      else throw e;
      return;
    }
    if (out.summary) checkDocument(out.summary, problems, null);
    return;
  }
  let document = input.format === 'json' ? input.document : undefined;
  if (input.format === 'json-text') {
    try {
      document = JSON.parse(input.text.replace(/^\uFEFF/, ''));
    } catch {
      problems.partial(null, 'The feed is not valid JSON; nothing was imported.');
      return;
    }
  }
  const { records, summary } = assembleDocument(document);
  for (const r of records) yield asRecord(place(r.index), r.record);
  checkDocument(summary, problems, null);
}

/** The records of a feed, as its reader finds them; feed-level problems go into `problems`. */
export function feedRecords(input: FeedInput, problems: FeedProblems, limits: ReadLimits): AsyncIterable<ReadRecord> | Iterable<ReadRecord> {
  switch (input.format) {
    case 'records':
      return input.records.map((r, i) => asRecord(`item ${i + 1}`, r));
    case 'tabular':
      return readTabular(input.package, problems, limits);
    case 'api':
      return readApi(input.url, input.fetch ?? {}, problems, limits);
    default:
      return jsonRecords(input, problems, limits);
  }
}

/**
 * Imports one feed record by record, in order: every record read becomes one ImportedRecord.
 * Feed-level problems (and whether the read was partial) are in `problems` once it has ended.
 * Never throws because of what is in the feed (only for invalid options, or when aborted).
 */
export function importStream(input: FeedInput, options: ImportOptions, problems: FeedProblems): AsyncGenerator<ImportedRecord> {
  const ctx = contextOf(options);
  const limits = limitsOf(options);
  return importRecords(feedRecords(input, problems, limits), ctx, { maxRecords: limits.maxRecords, problems });
}

/** Imports a whole feed into memory: for tests, small feeds and tools. The server streams (importStream). */
export async function importFeed(input: FeedInput, options: ImportOptions): Promise<ImportResult> {
  const problems = new FeedProblems();
  const records: ImportedRecord[] = [];
  const counts = emptyCounts();
  for await (const r of importStream(input, options, problems)) {
    records.push(r);
    countRecord(counts, r);
  }
  if (counts.records === 0 && !problems.isPartial) problems.note(null, 'The feed holds no service records.');
  return {
    services: records.flatMap((r) => (r.service ? [r.service] : [])),
    records,
    problems: problems.list,
    counts,
    complete: !problems.isPartial,
  };
}
