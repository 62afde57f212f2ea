import { z } from 'zod';

/*
 * The import as the API shows it (OpenAPI from these schemas): a job with its state, what it read
 * and decided, and — page by page — every record of the feed with what became of it. An admin
 * console shows progress while `status` is running, the per-record report after, and asks for a
 * decision while a large withdrawal waits for confirmation.
 */

// The importer's rule for a feed's key (it prefixes every service id with it).
export const SourceKey = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,39}$/i, "a short key of letters, digits, '.', '_' or '-' (at most 40)");
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

export const IMPORT_KINDS = ['url', 'document', 'tabular', 'upload', 'file', 'folder'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const IMPORT_STATUSES = ['running', 'awaiting_confirmation', 'published', 'not_published', 'refused', 'superseded', 'failed', 'interrupted'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export const RecordDefectSchema = z.object({
  field: z.string().nullable(),
  severity: z.enum(['left_out', 'repaired', 'warning']),
  reason: z.string(),
});

export const FeedProblemSchema = z.object({
  where: z.string().nullable(),
  reason: z.string(),
  /** Because of it the read was not the whole feed: nothing was withdrawn. */
  partial: z.boolean(),
});
export type FeedProblemSchema = z.infer<typeof FeedProblemSchema>;

export const ImportCountsSchema = z.object({
  /** Records the feed held as read: always imported + repaired + leftOut + duplicates. */
  records: z.number().int(),
  imported: z.number().int(),
  /** Imported with repairs (each named in its record's defects). */
  repaired: z.number().int(),
  leftOut: z.number().int(),
  duplicates: z.number().int(),
});
export type ImportCountsSchema = z.infer<typeof ImportCountsSchema>;

const Changes = z.object({ put: z.number().int(), deleted: z.number().int(), unchanged: z.number().int(), purged: z.number().int() });

export const ImportJob = z.object({
  id: z.uuid(),
  source: z.string(),
  kind: z.enum(IMPORT_KINDS).nullable(),
  /** Where the feed came from: its URL (without credentials) or file name. */
  origin: z.string().nullable(),
  status: z.enum(IMPORT_STATUSES),
  /** One sentence for people: what happened, and what to do when something must be done. */
  summary: z.string(),
  startedAt: z.iso.datetime({ offset: true }),
  startedBy: z.string().nullable(),
  finishedAt: z.iso.datetime({ offset: true }).nullable(),
  /** While running: records read so far. */
  progress: z.object({ records: z.number().int(), at: z.iso.datetime({ offset: true }) }).nullable(),
  /** Whether the read was the whole feed and agreed with itself: only then is anything withdrawn. */
  complete: z.boolean().nullable(),
  counts: ImportCountsSchema.nullable(),
  /** Problems with the feed as a whole: pages, tables, paging that disagrees with itself, dangling references. */
  problems: z.array(FeedProblemSchema),
  /** Services this import withdrew, or would withdraw when confirmed (listed at …/withdrawals). */
  withdrawals: z
    .object({
      count: z.number().int(),
      /** The trust's published services when the import was decided. */
      trustServices: z.number().int(),
      /** Above this share (%) of the trust's services a withdrawal waits for confirmation. */
      confirmAbovePercent: z.number(),
    })
    .nullable(),
  decision: z.object({ action: z.enum(['confirmed', 'refused']), by: z.string(), at: z.iso.datetime({ offset: true }) }).nullable(),
  changes: Changes.nullable(),
  /** The directory version that includes this import; null when nothing was published. */
  publishedVersion: z.number().int().nullable(),
  snapshot: z.object({ sha256: z.string(), bytes: z.number().int(), version: z.number().int() }).nullable(),
  /** False once the per-record report of an old import has been pruned (the newest imports keep theirs). */
  recordsKept: z.boolean(),
});
export type ImportJob = z.infer<typeof ImportJob>;

export const ImportRecordLine = z.object({
  seq: z.number().int(),
  /** Where the feed holds it: `page 2, item 5`, `item 17`, `services.csv row 9`. */
  place: z.string(),
  feedId: z.string().nullable(),
  name: z.string().nullable(),
  serviceId: z.string().nullable(),
  outcome: z.enum(['imported', 'repaired', 'left_out', 'duplicate']),
  /** A duplicate: the first record with the same id. */
  firstCopy: z.object({ seq: z.number().int(), place: z.string() }).nullable(),
  /** The first of several: where its later copies were. */
  copies: z.array(z.object({ seq: z.number().int(), place: z.string() })),
  defects: z.array(RecordDefectSchema),
});
export type ImportRecordLine = z.infer<typeof ImportRecordLine>;

export const ImportRecordPage = z.object({
  records: z.array(ImportRecordLine),
  /** Pass as `after` for the next page; null at the end. */
  next: z.number().int().nullable(),
});

export const WithdrawalPage = z.object({
  services: z.array(z.object({ id: z.string(), name: z.string().nullable() })),
  next: z.string().nullable(),
});

export const ImportList = z.object({ imports: z.array(ImportJob) });
