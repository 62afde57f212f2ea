/*
 * The one definition of directory.db, used by the server to build snapshots and by the desk to
 * open them and apply changes. Modelled on Open Referral UK / HSDS: organisation, service,
 * location, phone, schedule and service area (coverage), flattened where the desk searches.
 */
export const DIRECTORY_SCHEMA_VERSION = 2;

/** How service_fts splits and folds text into terms; the desk's FtsVocabulary tokenizes new services the same way. */
export const FTS_TOKENIZE = 'unicode61 remove_diacritics 2';
/** The prefix lengths (in characters) service_fts keeps an index for: a longer prefix is answered by merging its terms. */
export const FTS_PREFIX_LENGTHS = [2, 3] as const;

export const DIRECTORY_SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

CREATE TABLE organisation (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  url TEXT
) WITHOUT ROWID;

CREATE TABLE schedule (
  rowid INTEGER PRIMARY KEY,
  -- The Schedule as published (JSON). Services share identical schedules, so each is stored once.
  source TEXT NOT NULL UNIQUE,
  -- The same schedule compiled for the "open now" test (shared/lib/opening-hours.ts), Int32 little-endian.
  compiled BLOB NOT NULL
);

CREATE TABLE service (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  organisation_id TEXT NOT NULL REFERENCES organisation(id),
  name TEXT NOT NULL,
  description TEXT,
  type TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'temporarily_closed', 'defunct')),
  alert TEXT,
  url TEXT,
  email TEXT,
  age_min INTEGER,
  age_max INTEGER,
  eligibility TEXT,
  referral_routes INTEGER NOT NULL,
  referral_how TEXT NOT NULL,
  national INTEGER NOT NULL,
  -- Postcode districts and areas served (JSON array, as published); the coverage table indexes them.
  coverage_codes TEXT NOT NULL,
  coverage_description TEXT,
  keywords TEXT NOT NULL,
  last_verified TEXT,
  schedule_id INTEGER NOT NULL REFERENCES schedule(rowid),
  version INTEGER NOT NULL,
  -- Since version 2: the open reports and the trust's local corrections (JSON arrays as
  -- published), NULL for the great majority of services that have none.
  open_reports TEXT,
  local_corrections TEXT
);
-- Covers every column the desk loads into its in-memory search index, so that loading scans this
-- narrow index instead of the wide service rows.
CREATE INDEX service_search_facts ON service(type, status, age_min, age_max, referral_routes, national, last_verified, schedule_id, name);

CREATE TABLE location (
  service_rowid INTEGER NOT NULL REFERENCES service(rowid) ON DELETE CASCADE,
  ord INTEGER NOT NULL,
  id TEXT NOT NULL,
  name TEXT,
  address TEXT,
  postcode TEXT,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  PRIMARY KEY (service_rowid, ord)
) WITHOUT ROWID;

CREATE TABLE phone (
  service_rowid INTEGER NOT NULL REFERENCES service(rowid) ON DELETE CASCADE,
  ord INTEGER NOT NULL,
  number TEXT NOT NULL,
  type TEXT NOT NULL,
  label TEXT,
  -- Since version 2: 1 when a local correction marks the number as not working.
  not_working INTEGER,
  PRIMARY KEY (service_rowid, ord)
) WITHOUT ROWID;

CREATE TABLE coverage (
  code TEXT NOT NULL,
  service_rowid INTEGER NOT NULL REFERENCES service(rowid) ON DELETE CASCADE,
  PRIMARY KEY (code, service_rowid)
) WITHOUT ROWID;

CREATE VIRTUAL TABLE service_fts USING fts5(
  name, organisation, area, keywords, description,
  content='', contentless_delete=1,
  tokenize="${FTS_TOKENIZE}",
  prefix='${FTS_PREFIX_LENGTHS.join(' ')}',
  -- Column-level detail: the desk filters by column but never by phrase position; half the size.
  detail=column
);
`;

export const META_KEYS = {
  schemaVersion: 'schema_version',
  version: 'version',
  publishedAt: 'published_at',
  cursor: 'cursor',
  syncedAt: 'synced_at',
} as const;

/**
 * Brings a directory.db of an earlier schema version up to this one in place (the caller owns the
 * transaction), so that a desk's copy, or a snapshot built before an upgrade, need not be
 * downloaded again. Version 1 → 2 only adds nullable columns: no row is rewritten.
 */
export const DIRECTORY_UPGRADES: Record<number, string> = {
  1: `ALTER TABLE service ADD COLUMN open_reports TEXT;
      ALTER TABLE service ADD COLUMN local_corrections TEXT;
      ALTER TABLE phone ADD COLUMN not_working INTEGER;`,
};
