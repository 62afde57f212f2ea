import type { Migration } from './migration';

export const m12DirectoryQualityLoop: Migration = {
  version: 12,
  name: 'the directory quality loop: clinicians’ reports, local corrections, published versions, admin console sessions',
  sql: `
-- A published service is its feed's document with the trust's local corrections applied and its
-- open reports attached (shared/directory/overlay.ts). feed_doc keeps the feed's own document while
-- doc differs from it (NULL: doc is the feed's), so an import compares the feed with the feed and
-- a re-import keeps every correction.
ALTER TABLE directory_service ADD COLUMN feed_doc jsonb;

-- Problems clinicians reported on services, each filed under the signed-in sender (sync push).
CREATE TABLE directory_report (
  id uuid PRIMARY KEY,
  trust_id text NOT NULL REFERENCES trust(id),
  team_id text REFERENCES team(id),
  service_id text NOT NULL,
  service_name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('number_not_answering', 'service_closed', 'hours_wrong', 'eligibility_wrong', 'other')),
  note text CHECK (length(note) <= 140),
  phone text CHECK (length(phone) <= 40),
  reported_by text NOT NULL REFERENCES app_user(id),
  client_id uuid NOT NULL,
  -- The desk's clock when the clinician reported it; received_at the server's.
  reported_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  -- The directory version that first carried it to desks (NULL until published).
  published_version bigint,
  resolution text CHECK (resolution IN ('fixed_in_feed', 'corrected_locally', 'dismissed')),
  resolution_note text CHECK (length(resolution_note) <= 500),
  resolved_by text REFERENCES app_user(id),
  resolved_at timestamptz,
  correction_id uuid,
  CHECK ((resolution IS NULL) = (resolved_by IS NULL) AND (resolution IS NULL) = (resolved_at IS NULL)),
  CHECK (resolution IS DISTINCT FROM 'corrected_locally' OR correction_id IS NOT NULL)
);
CREATE INDEX directory_report_open ON directory_report (trust_id, service_id) WHERE resolution IS NULL;
CREATE INDEX directory_report_queue ON directory_report (trust_id, received_at DESC, id);
CREATE INDEX directory_report_team_time ON directory_report (trust_id, team_id, reported_at);

-- The trust's own corrections of services, applied on top of every import until removed (or
-- lapsed after their last day).
CREATE TABLE directory_correction (
  id uuid PRIMARY KEY,
  trust_id text NOT NULL REFERENCES trust(id),
  service_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('closure', 'phone_not_working', 'hours_exception', 'alert')),
  change jsonb NOT NULL,
  last_day date,
  made_by text NOT NULL REFERENCES app_user(id),
  made_at timestamptz NOT NULL DEFAULT now(),
  removed_by text REFERENCES app_user(id),
  removed_at timestamptz,
  removal text CHECK (removal IN ('removed', 'lapsed')),
  CHECK ((removed_at IS NULL) = (removal IS NULL))
);
CREATE INDEX directory_correction_active ON directory_correction (trust_id, service_id) WHERE removed_at IS NULL;
CREATE INDEX directory_correction_recent ON directory_correction (trust_id, made_at DESC, id);
ALTER TABLE directory_report ADD CONSTRAINT directory_report_correction FOREIGN KEY (correction_id) REFERENCES directory_correction(id);

-- Services whose reports or corrections changed since their document was last published, with
-- why: published by the request that changed them, or by the next publish of the trust.
CREATE TABLE directory_overlay_pending (
  trust_id text NOT NULL REFERENCES trust(id),
  service_id text NOT NULL,
  why text NOT NULL,
  since timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (trust_id, service_id)
);

-- Every published version of a trust's directory, what made it, and the services it changed.
CREATE TABLE directory_version (
  trust_id text NOT NULL REFERENCES trust(id),
  version bigint NOT NULL,
  published_at timestamptz NOT NULL,
  cause text NOT NULL CHECK (cause IN ('import', 'publish', 'quality')),
  import_id uuid,
  source text,
  made_by text,
  added integer NOT NULL,
  changed integer NOT NULL,
  withdrawn integer NOT NULL,
  summary text NOT NULL,
  PRIMARY KEY (trust_id, version)
);
CREATE TABLE directory_version_change (
  trust_id text NOT NULL,
  version bigint NOT NULL,
  service_id text NOT NULL,
  name text,
  change text NOT NULL CHECK (change IN ('added', 'changed', 'withdrawn')),
  why text,
  PRIMARY KEY (trust_id, version, service_id),
  -- Deferred: a publish lists what it changes as it writes, and records its version at the end.
  FOREIGN KEY (trust_id, version) REFERENCES directory_version (trust_id, version) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
);
-- Versions published before they were kept: the imports that made them.
INSERT INTO directory_version (trust_id, version, published_at, cause, import_id, source, made_by, added, changed, withdrawn, summary)
SELECT DISTINCT ON (trust_id, published_version) trust_id, published_version, coalesce(finished_at, started_at), 'import', id, source, coalesce(decided_by, started_by), 0, 0, 0,
  'Published by an import before versions were recorded: its report has the details.'
FROM directory_import WHERE published_version IS NOT NULL ORDER BY trust_id, published_version, finished_at DESC;

-- Sign-ins to the admin console (server-side sessions: the browser holds only an HttpOnly cookie
-- naming one, by the hash of its secret). pending: a sign-in under way (state, PKCE verifier).
-- The console's tokens are sealed with a key derived from the cookie's secret, which the server
-- does not keep: the table alone opens nothing.
CREATE TABLE console_session (
  id_hash text PRIMARY KEY,
  user_id text,
  trust_id text,
  display_name text,
  tokens_sealed text,
  csrf_token text,
  pkce_verifier text,
  oidc_state text,
  return_to text,
  created_at timestamptz NOT NULL DEFAULT now(),
  seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  CHECK ((user_id IS NULL) = (csrf_token IS NULL))
);
CREATE INDEX console_session_expiry ON console_session (expires_at);
`,
};
