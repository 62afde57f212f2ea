import type { DirectoryService } from '../../../shared/domain/directory';
import { englandAndWalesCalendar, type BankHolidayCalendar } from '../../../shared/lib/bank-holidays';
import { dayNumberOf, londonDateOf } from '../../../shared/lib/calendar';
import type { PostcodeCentroids } from '../../../shared/lib/postcode-centroids';
import { DefectLog, type ImportDefect } from './defects';
import type { FeedService } from './feed-model';
import { describeType, isObject } from './json-values';
import { identityOf, mapService, type MapContext } from './map-service';
import { readJsonDocument } from './read-json-document';
import { feedServiceFromJson } from './read-json-service';
import { readTabularPackage, type TabularPackage } from './read-tabular';
import { TaxonomyMapping } from './taxonomy-mapping';

/** What to import: a JSON document (parsed, or as text), a tabular package, or service records fetched one by one. */
export type FeedInput =
  | { format: 'json'; document: unknown }
  | { format: 'json-text'; text: string }
  | { format: 'tabular'; package: TabularPackage }
  | { format: 'records'; records: unknown[] };

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
}

export interface ImportStats {
  /** Service records met in the feed (published or not). */
  read: number;
  imported: number;
  /** Records not published; each has at least one `skipped` defect. */
  skipped: number;
  /** Published records with at least one `repaired` defect. */
  repaired: number;
}

export interface ImportResult {
  services: DirectoryService[];
  defects: ImportDefect[];
  stats: ImportStats;
}

const SOURCE_KEY = /^[a-z0-9][a-z0-9._-]{0,39}$/i;

function contextOf(options: ImportOptions): MapContext {
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

/** Feed input → the records to map (FeedService, or a defect for each record that is not an object). */
function readInput(input: FeedInput, log: DefectLog): { records: (FeedService | { notAService: unknown })[] } {
  const fromJsonRecords = (records: unknown[]) => ({
    records: records.map((r) => (isObject(r) ? feedServiceFromJson(r) : { notAService: r })),
  });
  switch (input.format) {
    case 'tabular':
      return { records: readTabularPackage(input.package, log) };
    case 'records':
      return fromJsonRecords(input.records);
    case 'json-text':
    case 'json': {
      let document: unknown;
      if (input.format === 'json-text') {
        try {
          document = JSON.parse(input.text.replace(/^\uFEFF/, ''));
        } catch (e) {
          log.feed(null, 'skipped', `The feed is not valid JSON (${(e as Error).message.slice(0, 200)}); nothing was imported.`);
          return { records: [] };
        }
      } else document = input.document;
      const reading = readJsonDocument(document);
      if (reading.kind === 'not-a-feed') {
        log.feed(null, 'skipped', reading.reason);
        return { records: [] };
      }
      const { paging } = reading;
      if (paging && ((paging.totalPages ?? 1) > 1 || paging.lastPage === false)) {
        log.feed(null, 'warning', `This is one page${paging.totalPages ? ` of ${paging.totalPages}` : ''} of a paged list; only its records were imported. Import from the API's address to read every page.`);
      }
      return fromJsonRecords(reading.records);
    }
  }
}

/**
 * Imports one feed: every record either becomes a valid DirectoryService or is reported in
 * `defects` with a reason. Never throws because of what is in the feed (only for invalid options).
 */
export function importFeed(input: FeedInput, options: ImportOptions): ImportResult {
  const ctx = contextOf(options);
  const log = new DefectLog(ctx.source);
  let records: ReturnType<typeof readInput>['records'];
  try {
    records = readInput(input, log).records;
  } catch (e) {
    log.feed(null, 'skipped', `The importer failed to read the feed (${(e as Error).message}); nothing was imported. This is an importer fault: please report it.`);
    records = [];
  }
  if (records.length === 0 && !log.defects.some((d) => d.severity === 'skipped')) log.feed(null, 'warning', 'The feed holds no service records.');

  const services: DirectoryService[] = [];
  const seen = new Set<string>();
  let repaired = 0;
  records.forEach((record, i) => {
    if ('notAService' in record) {
      log.forRecord(null, null).skip(null, `Record ${i + 1} is ${describeType(record.notAService)}, not a service object; not imported.`);
      return;
    }
    const { id, name } = identityOf(record);
    const d = log.forRecord(id, name);
    if (id !== null && seen.has(id)) {
      d.skip('id', 'Another record with the same id came earlier in the feed; this one was not imported.');
      return;
    }
    if (id !== null) seen.add(id);
    try {
      const service = mapService(record, ctx, d);
      if (service) {
        services.push(service);
        if (d.wasRepaired) repaired++;
      }
    } catch (e) {
      d.skip(null, `The importer failed on this record (${(e as Error).message}); not imported. This is an importer fault: please report it.`);
    }
  });
  return { services, defects: log.defects, stats: { read: records.length, imported: services.length, skipped: records.length - services.length, repaired } };
}
