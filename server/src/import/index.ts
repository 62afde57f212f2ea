/**
 * Open Referral UK / HSDS directory importer: a feed → one accounted record per record read
 * (imported, repaired, left out, duplicate) plus the feed's own problems. The server streams
 * `importStream` into PostgreSQL and publishes; `importFeed` does the same in memory.
 */
export type { DefectSeverity, FeedProblem, RecordDefect } from './defects';
export { FeedProblems } from './defects';
export { importFeed, importStream, checkImportOptions, limitsOf, type FeedInput, type ImportOptions, type ImportResult } from './import-feed';
export { RECORD_OUTCOMES, type ImportCounts, type ImportedRecord, type RecordOutcome } from './import-records';
export { readApi, type FetchOptions } from './fetch-feed';
export { parseAllowList, type AllowList } from './address-guard';
export { DEFAULT_READ_LIMITS, type ReadLimits } from './read-limits';
export { loadTabularDirectory } from './load-tabular-directory';
export type { TabularPackage } from './read-tabular';
export { DEFAULT_TAXONOMY_MAPPING, TaxonomyMapping, TaxonomyRule, serviceTypeFor, type TaxonomyTermRef, type TypeMatch } from './taxonomy-mapping';
export { NO_HOURS_ALERT } from './map-service';
