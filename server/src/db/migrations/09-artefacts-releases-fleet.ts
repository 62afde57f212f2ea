import type { Migration } from './migration';

export const m09ArtefactsReleasesFleet: Migration = {
  version: 9,
  name: 'artefacts in PostgreSQL; releases with rings; the fleet of desks',
  sql: `
-- Immutable, sha256-named artefacts (release installers now; directory snapshots later), stored as
-- chunks of one upload. An artefact row is written only once every chunk is in and the hashes are
-- checked, so a reader that finds the row finds it whole; chunks without a row are an upload in
-- progress or abandoned (purged after a day).
CREATE TABLE artefact_chunk (
  content_id uuid NOT NULL,
  n integer NOT NULL CHECK (n >= 0),
  data bytea NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (content_id, n)
);
CREATE TABLE artefact (
  sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content_id uuid NOT NULL UNIQUE,
  bytes bigint NOT NULL CHECK (bytes >= 0),
  sha512 text NOT NULL,
  chunk_bytes integer NOT NULL CHECK (chunk_bytes > 0),
  content_type text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION artefact_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'artefacts are immutable: store another one' USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER artefact_immutable BEFORE UPDATE ON artefact FOR EACH ROW EXECUTE FUNCTION artefact_immutable();
CREATE TRIGGER artefact_chunk_immutable BEFORE UPDATE ON artefact_chunk FOR EACH ROW EXECUTE FUNCTION artefact_immutable();

-- Desktop releases a trust's admins publish to its desks, and how far each has rolled out.
CREATE TABLE app_release (
  trust_id text NOT NULL REFERENCES trust(id),
  version text NOT NULL,
  notes text NOT NULL DEFAULT '',
  stage text NOT NULL CHECK (stage IN ('pilot', 'percentage', 'all', 'withdrawn')),
  percentage integer NOT NULL DEFAULT 0 CHECK (percentage BETWEEN 0 AND 100),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (trust_id, version)
);
CREATE TABLE app_release_file (
  trust_id text NOT NULL,
  version text NOT NULL,
  platform text NOT NULL CHECK (platform IN ('win32', 'linux', 'darwin')),
  arch text NOT NULL CHECK (arch IN ('x64', 'arm64', 'universal')),
  kind text NOT NULL CHECK (kind IN ('nsis', 'msi', 'deb', 'dmg', 'zip')),
  file_name text NOT NULL,
  sha256 text NOT NULL REFERENCES artefact(sha256),
  PRIMARY KEY (trust_id, version, kind, arch),
  FOREIGN KEY (trust_id, version) REFERENCES app_release (trust_id, version)
);
CREATE INDEX app_release_file_sha256 ON app_release_file (sha256, trust_id);

-- What each desk last said about itself (version, policy, last sync), for IT's fleet view.
CREATE TABLE desk_report (
  trust_id text NOT NULL REFERENCES trust(id),
  desk_id text NOT NULL,
  user_id text NOT NULL,
  version text NOT NULL,
  platform text NOT NULL,
  arch text NOT NULL,
  ring text NOT NULL,
  update_mode text NOT NULL,
  pinned_version text,
  policy_hash text NOT NULL,
  last_sync_at timestamptz,
  reported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (trust_id, desk_id)
);
`,
};
