/*
 * The one definition of directory.db, used by the server to build snapshots and by the desk to
 * open them and apply changes. Modelled on Open Referral UK / HSDS: organisation, service,
 * location, phone, schedule and service area (coverage), flattened where the desk searches.
 */
export const DIRECTORY_SCHEMA_VERSION = 1;

export const DIRECTORY_SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

CREATE TABLE organisation (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  url TEXT
) WITHOUT ROWID;

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
  coverage_description TEXT,
  keywords TEXT NOT NULL,
  last_verified TEXT,
  version INTEGER NOT NULL
);

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
  PRIMARY KEY (service_rowid, ord)
) WITHOUT ROWID;

CREATE TABLE coverage (
  code TEXT NOT NULL,
  service_rowid INTEGER NOT NULL REFERENCES service(rowid) ON DELETE CASCADE,
  PRIMARY KEY (code, service_rowid)
) WITHOUT ROWID;
CREATE INDEX coverage_by_service ON coverage(service_rowid);

CREATE TABLE schedule (
  service_rowid INTEGER PRIMARY KEY REFERENCES service(rowid) ON DELETE CASCADE,
  source TEXT NOT NULL,
  compiled BLOB NOT NULL
);

CREATE VIRTUAL TABLE service_fts USING fts5(
  name, organisation, area, keywords, description,
  content='', contentless_delete=1,
  tokenize="unicode61 remove_diacritics 2",
  prefix='2 3'
);
`;

/** Column weights for bm25: a hit in the name counts most, the description least. */
export const FTS_WEIGHTS = [10, 4, 3, 3, 1] as const;

export const META_KEYS = {
  schemaVersion: 'schema_version',
  version: 'version',
  publishedAt: 'published_at',
  cursor: 'cursor',
  syncedAt: 'synced_at',
} as const;
