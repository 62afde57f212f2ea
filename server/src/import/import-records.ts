import type { DirectoryService } from '../../../shared/domain/directory';
import { RecordDefects, type FeedProblems, type RecordDefect } from './defects';
import type { ReadRecord } from './feed-reader';
import { describeType } from './json-values';
import { identityOf, mapService, type MapContext } from './map-service';

/*
 * Every record of a feed accounted for: each one read becomes exactly one ImportedRecord —
 * imported, imported with repairs, left out (with every reason), or a duplicate of an earlier
 * record with the same id (with where that copy was) — so the counts add up to what the feed holds.
 */

export type RecordOutcome = 'imported' | 'repaired' | 'left_out' | 'duplicate';
export const RECORD_OUTCOMES: readonly RecordOutcome[] = ['imported', 'repaired', 'left_out', 'duplicate'];

export interface ImportedRecord {
  /** 1-based, in the order the feed gave the records. */
  seq: number;
  place: string;
  /** The record's id in the feed; null when it has none. */
  feedId: string | null;
  name: string | null;
  /** The id it is (or would be) published under: `${source}:${feedId}`. */
  serviceId: string | null;
  outcome: RecordOutcome;
  service: DirectoryService | null;
  defects: RecordDefect[];
  /** For a duplicate: the first record with the same id. */
  firstCopy: { seq: number; place: string } | null;
}

export interface ImportCounts {
  /** Records read: always imported + repaired + leftOut + duplicates. */
  records: number;
  imported: number;
  repaired: number;
  leftOut: number;
  duplicates: number;
}

export const emptyCounts = (): ImportCounts => ({ records: 0, imported: 0, repaired: 0, leftOut: 0, duplicates: 0 });

export function countRecord(counts: ImportCounts, r: ImportedRecord): void {
  counts.records++;
  if (r.outcome === 'imported') counts.imported++;
  else if (r.outcome === 'repaired') counts.repaired++;
  else if (r.outcome === 'left_out') counts.leftOut++;
  else counts.duplicates++;
}

const serviceIdOf = (ctx: MapContext, id: string | null) => (id !== null && `${ctx.source}:${id}`.length <= 200 ? `${ctx.source}:${id}` : null);

/** The id and name of a record as read, for accounting. */
function identityOfRead(read: ReadRecord): { id: string | null; name: string | null } {
  if ('record' in read) return identityOf(read.record);
  if ('unreadable' in read) return { id: read.id, name: read.name };
  return { id: null, name: null };
}

function mapOne(read: ReadRecord, seq: number, ctx: MapContext): ImportedRecord {
  if ('unreadable' in read) {
    return {
      seq, place: read.place, feedId: read.id, name: read.name, serviceId: serviceIdOf(ctx, read.id), outcome: 'left_out', service: null, firstCopy: null,
      defects: [{ field: null, severity: 'left_out', reason: read.unreadable }],
    };
  }
  if ('notAService' in read) {
    return {
      seq, place: read.place, feedId: null, name: null, serviceId: null, outcome: 'left_out', service: null, firstCopy: null,
      defects: [{ field: null, severity: 'left_out', reason: `This item is ${describeType(read.notAService)}, not a service object; not imported.` }],
    };
  }
  const { id, name } = identityOf(read.record);
  const d = new RecordDefects();
  let service: DirectoryService | null = null;
  try {
    service = mapService(read.record, ctx, d);
  } catch (e) {
    d.leaveOut(null, `The importer failed on this record (${(e as Error).message}); not imported. This is an importer fault: please report it.`);
  }
  return {
    seq, place: read.place, feedId: id, name, serviceId: serviceIdOf(ctx, id), firstCopy: null, defects: d.list,
    outcome: service ? (d.wasRepaired ? 'repaired' : 'imported') : 'left_out',
    service,
  };
}

export interface ImportRecordsOptions {
  /** Stop after this many records: the rest of the feed is not read, and the read is partial. */
  maxRecords: number;
  problems: FeedProblems;
}

/**
 * Maps the records a reader yields, in order, one ImportedRecord each. A record whose id came
 * before is a duplicate and is not mapped again (the first copy decides). Ids seen are kept in
 * memory (about 150 bytes a record; maxRecords bounds them).
 */
export async function* importRecords(records: AsyncIterable<ReadRecord> | Iterable<ReadRecord>, ctx: MapContext, options: ImportRecordsOptions): AsyncGenerator<ImportedRecord> {
  const firstCopies = new Map<string, { seq: number; place: string; published: boolean }>();
  let seq = 0;
  for await (const read of records) {
    if (seq >= options.maxRecords) {
      options.problems.partial(read.place, `Reading stopped after ${options.maxRecords} records, the most one import takes (IMPORT_MAX_RECORDS); the rest of the feed was not read.`);
      return;
    }
    seq++;
    const { id, name } = identityOfRead(read);
    const first = id === null ? undefined : firstCopies.get(id);
    if (first) {
      yield {
        seq, place: read.place, feedId: id, name, serviceId: serviceIdOf(ctx, id),
        outcome: 'duplicate', service: null, firstCopy: { seq: first.seq, place: first.place },
        defects: [{
          field: 'id',
          severity: 'left_out',
          reason: `A second record with the id ${id}: the first is at ${first.place} (${first.published ? 'published' : 'left out'}); this copy was not imported.`,
        }],
      };
      continue;
    }
    const imported = mapOne(read, seq, ctx);
    if (id !== null) firstCopies.set(id, { seq, place: read.place, published: imported.service !== null });
    yield imported;
  }
}
