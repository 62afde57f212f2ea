/**
 * Open Referral UK / HSDS directory importer: feed input → DirectoryService records plus a defect
 * report. The server stores the taxonomy mapping, calls one of the import functions and publishes
 * `services`; it shows `defects` to the directory administrator.
 */
export type { DefectSeverity, ImportDefect } from './defects';
export { importFeed, checkImportOptions, type FeedInput, type ImportOptions, type ImportResult, type ImportStats } from './import-feed';
export { fetchServiceRecords, importFromApi, type FetchOptions, type FetchedFeed } from './fetch-feed';
export { loadTabularDirectory } from './load-tabular-directory';
export type { TabularPackage } from './read-tabular';
export { DEFAULT_TAXONOMY_MAPPING, TaxonomyMapping, TaxonomyRule, serviceTypeFor, type TaxonomyTermRef, type TypeMatch } from './taxonomy-mapping';
export { NO_HOURS_ALERT } from './map-service';
