import type { Db } from './db';

/*
 * The server schema as numbered migrations, applied in order inside one transaction each and
 * recorded in schema_migrations. Same SQL on PostgreSQL and PGlite. After the first release,
 * migrations of synced tables only add.
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'tenancy, identity, directory, call records',
    sql: `
CREATE TABLE trust (
  id text PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE team (
  id text PRIMARY KEY,
  trust_id text NOT NULL REFERENCES trust(id),
  name text NOT NULL
);
CREATE INDEX team_trust ON team (trust_id);

-- People known to the server. Users of an external identity provider (NHS CIS2) are created on
-- first sign-in from their token's claims and have no password here.
CREATE TABLE app_user (
  id text PRIMARY KEY,
  trust_id text NOT NULL REFERENCES trust(id),
  team_id text REFERENCES team(id),
  display_name text NOT NULL,
  roles text[] NOT NULL,
  password_hash text,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (roles <@ ARRAY['clinician', 'team_lead', 'admin']::text[] AND cardinality(roles) > 0)
);

-- The development identity provider's state (OIDC authorization code + PKCE, rotating refresh tokens).
CREATE TABLE signing_key (
  kid text PRIMARY KEY,
  private_jwk jsonb NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);

CREATE TABLE oidc_code (
  code_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES app_user(id),
  client_id text NOT NULL,
  redirect_uri text NOT NULL,
  code_challenge text NOT NULL,
  scope text NOT NULL,
  nonce text,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

CREATE TABLE refresh_token (
  token_hash text PRIMARY KEY,
  family_id uuid NOT NULL,
  user_id text NOT NULL REFERENCES app_user(id),
  client_id text NOT NULL,
  scope text NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  rotated_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX refresh_token_family ON refresh_token (family_id);

-- Access tokens revoked before they expire (by jti); rows are dropped once the token has expired.
CREATE TABLE revoked_access_token (
  jti text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);

-- Directory: each trust publishes its own directory as numbered versions.
CREATE TABLE directory_state (
  trust_id text PRIMARY KEY REFERENCES trust(id),
  version bigint NOT NULL DEFAULT 0,
  published_at timestamptz,
  -- Tombstones at or below this version have been purged: older cursors get 410.
  purged_through bigint NOT NULL DEFAULT 0
);

-- One row per service ever published; a deletion keeps the row as a tombstone (deleted, no doc).
CREATE TABLE directory_service (
  trust_id text NOT NULL REFERENCES trust(id),
  id text NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  doc jsonb,
  source text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (trust_id, id),
  CHECK (deleted = (doc IS NULL))
);
CREATE INDEX directory_service_changes ON directory_service (trust_id, version, id);

CREATE TABLE directory_snapshot (
  sha256 text PRIMARY KEY,
  trust_id text NOT NULL REFERENCES trust(id),
  version bigint NOT NULL,
  bytes bigint NOT NULL,
  services integer NOT NULL,
  built_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX directory_snapshot_latest ON directory_snapshot (trust_id, version DESC);

CREATE TABLE directory_import (
  id uuid PRIMARY KEY,
  trust_id text NOT NULL REFERENCES trust(id),
  source text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  stats jsonb,
  defects jsonb,
  published_version bigint,
  started_by text
);

CREATE TABLE taxonomy_mapping (
  trust_id text PRIMARY KEY REFERENCES trust(id),
  mapping jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text
);

-- Call records. Each desk install (client) belongs to one user; its mutations apply once, in seq order.
CREATE TABLE sync_client (
  client_id uuid PRIMARY KEY,
  trust_id text NOT NULL REFERENCES trust(id),
  team_id text NOT NULL REFERENCES team(id),
  user_id text NOT NULL REFERENCES app_user(id),
  last_seq bigint NOT NULL DEFAULT 0,
  -- What the desk last said about its queue: how many changes were still waiting to be sent.
  reported_pending integer NOT NULL DEFAULT 0,
  last_seen_at timestamptz
);

CREATE SEQUENCE call_change_seq;

CREATE TABLE call_record (
  id uuid PRIMARY KEY,
  trust_id text NOT NULL REFERENCES trust(id),
  team_id text NOT NULL REFERENCES team(id),
  clinician_id text NOT NULL REFERENCES app_user(id),
  origin_client_id uuid NOT NULL,
  last_client_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('draft', 'finalised', 'discarded')),
  revision integer NOT NULL,
  content jsonb NOT NULL,
  content_hash text,
  started_at timestamptz NOT NULL,
  finalised_at timestamptz,
  discarded_at timestamptz,
  discard_reason text,
  desk_updated_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT nextval('call_change_seq'),
  CHECK ((status = 'finalised') = (content_hash IS NOT NULL AND finalised_at IS NOT NULL))
);
CREATE INDEX call_record_changes ON call_record (trust_id, change_seq);
CREATE INDEX call_record_team_time ON call_record (trust_id, team_id, started_at);

CREATE TABLE call_addendum (
  id uuid PRIMARY KEY,
  record_id uuid NOT NULL REFERENCES call_record(id),
  trust_id text NOT NULL REFERENCES trust(id),
  client_id uuid NOT NULL,
  text text NOT NULL,
  created_at timestamptz NOT NULL,
  content_hash text NOT NULL
);
CREATE INDEX call_addendum_record ON call_addendum (record_id);

-- Every mutation the server has answered, so a replay gets the same answer.
CREATE TABLE applied_mutation (
  mutation_id uuid PRIMARY KEY,
  client_id uuid NOT NULL REFERENCES sync_client(client_id),
  seq bigint NOT NULL,
  record_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('applied', 'conflict', 'rejected')),
  server_revision integer,
  reason text,
  applied_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (client_id, seq)
);

-- A finalised record never changes, whatever the code above it does.
CREATE FUNCTION call_record_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'call records are never deleted' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'finalised' AND (NEW.content IS DISTINCT FROM OLD.content OR NEW.status IS DISTINCT FROM OLD.status
      OR NEW.content_hash IS DISTINCT FROM OLD.content_hash OR NEW.finalised_at IS DISTINCT FROM OLD.finalised_at
      OR NEW.revision IS DISTINCT FROM OLD.revision) THEN
    RAISE EXCEPTION 'finalised call records are immutable' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'discarded' AND (NEW.content IS DISTINCT FROM OLD.content OR NEW.status IS DISTINCT FROM OLD.status) THEN
    RAISE EXCEPTION 'discarded call records are immutable' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER call_record_guard BEFORE UPDATE OR DELETE ON call_record FOR EACH ROW EXECUTE FUNCTION call_record_guard();

CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER call_addendum_append_only BEFORE UPDATE OR DELETE ON call_addendum FOR EACH ROW EXECUTE FUNCTION append_only();
`,
  },
  {
    version: 2,
    name: 'directory snapshots record when their version was published',
    sql: `
-- The publish time of the snapshot's version, as written in its meta table and shown in the manifest.
ALTER TABLE directory_snapshot ADD COLUMN published_at timestamptz;
`,
  },
  {
    version: 3,
    name: 'call record changes numbered in commit order; indexes for pulls',
    sql: `
-- Desks pull records by change_seq. A sequence hands out numbers in the order transactions ask
-- for them, not the order they commit: a pull could pass number n while a slower transaction
-- still held n - 1, and never see it. Numbering a trust's changes under a lock held until commit
-- makes the numbers follow the commits (pushes of one trust write their records one at a time).
CREATE FUNCTION call_record_change_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7302, hashtext(NEW.trust_id));
  NEW.change_seq := nextval('call_change_seq');
  RETURN NEW;
END $$;
CREATE TRIGGER call_record_change_order BEFORE INSERT OR UPDATE ON call_record FOR EACH ROW EXECUTE FUNCTION call_record_change_order();
CREATE INDEX call_record_team_changes ON call_record (trust_id, team_id, change_seq);
CREATE INDEX call_record_clinician_changes ON call_record (trust_id, clinician_id, change_seq);
`,
  },
  {
    version: 4,
    name: 'an addendum can record a finalised record’s callback as made',
    sql: `
-- A finalised record never changes, so the callback it asked for is closed by an addendum.
ALTER TABLE call_addendum ADD COLUMN callback_made_at timestamptz;
`,
  },
  {
    version: 5,
    name: 'directory imports are jobs with a per-record report, staged services and held withdrawals',
    sql: `
-- An import is a job any API node can show and finish: its state, progress and report live here,
-- not in the memory of the node that started it. A node running one beats its heartbeat; a job
-- whose heartbeat stopped is shown as interrupted.
ALTER TABLE directory_import ADD COLUMN status text;
ALTER TABLE directory_import ADD COLUMN input jsonb;
ALTER TABLE directory_import ADD COLUMN heartbeat_at timestamptz;
ALTER TABLE directory_import ADD COLUMN progress jsonb;
ALTER TABLE directory_import ADD COLUMN report jsonb;
ALTER TABLE directory_import ADD COLUMN decided_by text;
ALTER TABLE directory_import ADD COLUMN decided_at timestamptz;
UPDATE directory_import SET status = CASE WHEN finished_at IS NULL THEN 'interrupted' WHEN stats IS NULL THEN 'failed' WHEN published_version IS NULL THEN 'not_published' ELSE 'published' END;
ALTER TABLE directory_import ALTER COLUMN status SET NOT NULL;
ALTER TABLE directory_import ADD CONSTRAINT directory_import_status CHECK (status IN ('running', 'awaiting_confirmation', 'published', 'not_published', 'refused', 'superseded', 'failed', 'interrupted'));
CREATE INDEX directory_import_recent ON directory_import (trust_id, started_at DESC);
-- One import of a feed at a time.
CREATE UNIQUE INDEX directory_import_one_running ON directory_import (trust_id, source) WHERE status = 'running';

-- Every record the feed held, and what became of it: imported, repaired, left out, or a duplicate
-- of the record at first_seq.
CREATE TABLE directory_import_record (
  import_id uuid NOT NULL REFERENCES directory_import(id) ON DELETE CASCADE,
  seq integer NOT NULL,
  place text NOT NULL,
  feed_id text,
  service_id text,
  name text,
  outcome text NOT NULL CHECK (outcome IN ('imported', 'repaired', 'left_out', 'duplicate')),
  first_seq integer,
  defects jsonb NOT NULL,
  PRIMARY KEY (import_id, seq)
);
CREATE INDEX directory_import_record_service ON directory_import_record (import_id, service_id);
CREATE INDEX directory_import_record_outcome ON directory_import_record (import_id, outcome, seq);
CREATE INDEX directory_import_record_copies ON directory_import_record (import_id, first_seq) WHERE first_seq IS NOT NULL;

-- The services an import publishes, staged until it is published (or, when held, confirmed).
CREATE TABLE directory_import_service (
  import_id uuid NOT NULL REFERENCES directory_import(id) ON DELETE CASCADE,
  id text NOT NULL,
  doc jsonb NOT NULL,
  PRIMARY KEY (import_id, id)
);

-- The services an import withdrew, or would withdraw once an admin confirms.
CREATE TABLE directory_import_withdrawal (
  import_id uuid NOT NULL REFERENCES directory_import(id) ON DELETE CASCADE,
  service_id text NOT NULL,
  name text,
  PRIMARY KEY (import_id, service_id)
);
`,
  },
  {
    version: 6,
    name: 'security: sealed signing keys, sign-in limits, hint stream caps, access tokens by sign-in, log pseudonyms',
    sql: `
-- Private signing keys are stored only sealed under a key from outside the database
-- (server/src/auth/key-encryption.ts). A key that was stored in plain text may have been copied
-- with the database, so it is retired at once (its tokens stop verifying; desks renew them with
-- their refresh tokens) and its private half dropped with the column; a sealed key replaces it.
UPDATE signing_key SET retired_at = now() - interval '2 days' WHERE retired_at IS NULL OR retired_at > now() - interval '2 days';
ALTER TABLE signing_key DROP COLUMN private_jwk;
ALTER TABLE signing_key ADD COLUMN private_jwe text;

-- Failed sign-ins counted per user and per address, shared by every API node (the table layout of
-- rate-limiter-flexible's PostgreSQL store; keys are hashed, expire is epoch milliseconds).
CREATE TABLE sign_in_limit (
  key varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);

-- Open hint streams of every API node, so the caps per user and per desk hold across nodes. Each
-- node refreshes seen_at of its own streams; rows of a node that died stop counting once stale.
CREATE TABLE hint_stream (
  id uuid PRIMARY KEY,
  user_id text NOT NULL,
  desk text NOT NULL,
  node text NOT NULL,
  opened_at timestamptz NOT NULL DEFAULT now(),
  seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hint_stream_user ON hint_stream (user_id);

-- The access tokens each sign-in (refresh-token family) was given, so that ending the sign-in
-- (reuse of a spent refresh token, a replayed code, revocation) ends its access tokens too.
CREATE TABLE issued_access_token (
  jti text PRIMARY KEY,
  family_id uuid NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX issued_access_token_family ON issued_access_token (family_id);

-- Secrets of the deployment that are not keys to anything (the key of the pseudonymous user ids in
-- request logs), shared by every node.
CREATE TABLE server_secret (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 7,
    name: 'team shift presets; when desks made the changes they sent (offline periods)',
    sql: `
-- A team's shifts as London wall-clock times (shared/lib/shift-presets.ts); an end at or before the
-- start ends the next day. Every team starts with day 08:00-20:00 and night 20:00-08:00.
CREATE TABLE team_shift_preset (
  team_id text NOT NULL REFERENCES team(id),
  id text NOT NULL CHECK (id ~ '^[a-z][a-z0-9_-]{0,39}$'),
  label text NOT NULL CHECK (length(label) BETWEEN 1 AND 60),
  starts text NOT NULL CHECK (starts ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  ends text NOT NULL CHECK (ends ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  position integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text,
  PRIMARY KEY (team_id, id)
);
INSERT INTO team_shift_preset (team_id, id, label, starts, ends, position) SELECT id, 'day', 'Day', '08:00', '20:00', 0 FROM team;
INSERT INTO team_shift_preset (team_id, id, label, starts, ends, position) SELECT id, 'night', 'Night', '20:00', '08:00', 1 FROM team;

-- The desk's clock when it made each change: a change that reached the server long after it was
-- made tells that its desk was offline meanwhile (server/src/summaries/offline-periods.ts).
ALTER TABLE applied_mutation ADD COLUMN desk_time timestamptz;
CREATE INDEX applied_mutation_client_time ON applied_mutation (client_id, applied_at);
`,
  },
  {
    version: 8,
    name: 'who made each change: record authors, addendum authors, the author of every answered mutation',
    sql: `
-- A desk used by several people in turn sends each person's changes in a sync stream of their own
-- (one sync_client per install and author), so the author of a change is the user of the stream
-- it came in. Kept here explicitly, beside what it changed.
ALTER TABLE call_record ADD COLUMN created_by text REFERENCES app_user(id);
ALTER TABLE call_record ADD COLUMN updated_by text REFERENCES app_user(id);
ALTER TABLE call_record ADD COLUMN finalised_by text REFERENCES app_user(id);
ALTER TABLE call_record ADD COLUMN discarded_by text REFERENCES app_user(id);
ALTER TABLE call_addendum ADD COLUMN author_id text REFERENCES app_user(id);
ALTER TABLE applied_mutation ADD COLUMN author_id text REFERENCES app_user(id);

-- Until now every change to a record came from its clinician's own sync streams. Rewriting the
-- rows renumbers their changes (call_record_change_order), so every desk pulls them once more and
-- learns their authors.
UPDATE call_record c SET created_by = c.clinician_id,
  updated_by = coalesce((SELECT s.user_id FROM sync_client s WHERE s.client_id = c.last_client_id), c.clinician_id),
  finalised_by = CASE WHEN c.status = 'finalised' THEN coalesce((SELECT s.user_id FROM sync_client s WHERE s.client_id = c.last_client_id), c.clinician_id) END,
  discarded_by = CASE WHEN c.status = 'discarded' THEN coalesce((SELECT s.user_id FROM sync_client s WHERE s.client_id = c.last_client_id), c.clinician_id) END;
-- Addenda are append-only: the guard stands aside for this one backfill, inside this transaction.
ALTER TABLE call_addendum DISABLE TRIGGER call_addendum_append_only;
UPDATE call_addendum a SET author_id = s.user_id FROM sync_client s WHERE s.client_id = a.client_id;
ALTER TABLE call_addendum ENABLE TRIGGER call_addendum_append_only;
UPDATE applied_mutation m SET author_id = s.user_id FROM sync_client s WHERE s.client_id = m.client_id;
CREATE INDEX call_addendum_author ON call_addendum (trust_id, author_id);

-- Who finalised or discarded a record, and who started it, never change afterwards.
CREATE OR REPLACE FUNCTION call_record_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'call records are never deleted' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.created_by IS NOT NULL AND NEW.created_by IS DISTINCT FROM OLD.created_by THEN
    RAISE EXCEPTION 'who started a call record never changes' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'finalised' AND (NEW.content IS DISTINCT FROM OLD.content OR NEW.status IS DISTINCT FROM OLD.status
      OR NEW.content_hash IS DISTINCT FROM OLD.content_hash OR NEW.finalised_at IS DISTINCT FROM OLD.finalised_at
      OR NEW.revision IS DISTINCT FROM OLD.revision OR NEW.finalised_by IS DISTINCT FROM OLD.finalised_by
      OR NEW.updated_by IS DISTINCT FROM OLD.updated_by) THEN
    RAISE EXCEPTION 'finalised call records are immutable' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'discarded' AND (NEW.content IS DISTINCT FROM OLD.content OR NEW.status IS DISTINCT FROM OLD.status
      OR NEW.discarded_by IS DISTINCT FROM OLD.discarded_by) THEN
    RAISE EXCEPTION 'discarded call records are immutable' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;
`,
  },
  {
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
  },
  {
    version: 10,
    name: 'directory snapshots in the artefact store, built once across API nodes',
    sql: `
-- A snapshot's bytes are the artefact of the same sha256 (NOT VALID: snapshots recorded before this
-- were files in one node's DATA_DIR; a node that still has one stores it, and the trust's newest is
-- rebuilt otherwise). A pruned snapshot stays downloadable for an hour (a download under way
-- finishes, or resumes on another node), then its row and artefact are deleted.
ALTER TABLE directory_snapshot ADD COLUMN pruned_at timestamptz;
ALTER TABLE directory_snapshot ADD CONSTRAINT directory_snapshot_artefact FOREIGN KEY (sha256) REFERENCES artefact (sha256) NOT VALID;

-- Who is building a trust's snapshot now: one builder per trust across every API node. The claim
-- is kept fresh by the builder's heartbeat; a claim left by a node that died goes stale and is taken over.
CREATE TABLE directory_snapshot_build (
  trust_id text PRIMARY KEY REFERENCES trust(id),
  claim uuid NOT NULL,
  node text NOT NULL,
  version bigint NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 11,
    name: 'security: record, addendum, mutation and desk ids scoped by trust; desk clock times bounded, server receipt times kept',
    sql: `
-- Ids of records, addenda, changes and sync streams are UUIDs made on desks. Held as global keys,
-- another trust could tell whether one existed (its push was refused instead of applied) and claim
-- one first, so that the real desk's change was refused. Every key now includes the trust: one
-- trust's id never meets another's, and "not there" and "another trust's" are the same answer.
ALTER TABLE call_addendum DROP CONSTRAINT call_addendum_record_id_fkey;
ALTER TABLE call_addendum DROP CONSTRAINT call_addendum_pkey;
ALTER TABLE call_record DROP CONSTRAINT call_record_pkey;
ALTER TABLE call_record ADD PRIMARY KEY (trust_id, id);
ALTER TABLE call_addendum ADD PRIMARY KEY (trust_id, id);
ALTER TABLE call_addendum ADD CONSTRAINT call_addendum_record FOREIGN KEY (trust_id, record_id) REFERENCES call_record (trust_id, id);
DROP INDEX call_addendum_record;
CREATE INDEX call_addendum_record ON call_addendum (trust_id, record_id);

ALTER TABLE applied_mutation DROP CONSTRAINT applied_mutation_client_id_fkey;
ALTER TABLE applied_mutation DROP CONSTRAINT applied_mutation_pkey;
ALTER TABLE applied_mutation DROP CONSTRAINT applied_mutation_client_id_seq_key;
ALTER TABLE applied_mutation ADD COLUMN trust_id text REFERENCES trust(id);
UPDATE applied_mutation m SET trust_id = s.trust_id FROM sync_client s WHERE s.client_id = m.client_id;
ALTER TABLE applied_mutation ALTER COLUMN trust_id SET NOT NULL;
ALTER TABLE sync_client DROP CONSTRAINT sync_client_pkey;
ALTER TABLE sync_client ADD PRIMARY KEY (trust_id, client_id);
ALTER TABLE applied_mutation ADD PRIMARY KEY (trust_id, mutation_id);
ALTER TABLE applied_mutation ADD CONSTRAINT applied_mutation_stream_seq UNIQUE (trust_id, client_id, seq);
ALTER TABLE applied_mutation ADD CONSTRAINT applied_mutation_stream FOREIGN KEY (trust_id, client_id) REFERENCES sync_client (trust_id, client_id);
DROP INDEX applied_mutation_client_time;
CREATE INDEX applied_mutation_client_time ON applied_mutation (trust_id, client_id, applied_at);

-- A desk's clock may be wrong (a 1999 finalisedAt was stored). The time a desk gives for finalising
-- or discarding is kept as it said (desk_*), and used only within bounds the server can vouch for
-- (server/src/sync/desk-clock.ts); outside them the server's receipt time is used and the reason
-- kept (desk_clock_note). received_at: when the server first received the record.
ALTER TABLE call_record ADD COLUMN received_at timestamptz;
ALTER TABLE call_record ADD COLUMN desk_finalised_at timestamptz;
ALTER TABLE call_record ADD COLUMN finalised_received_at timestamptz;
ALTER TABLE call_record ADD COLUMN desk_discarded_at timestamptz;
ALTER TABLE call_record ADD COLUMN discarded_received_at timestamptz;
ALTER TABLE call_record ADD COLUMN desk_clock_note text;
ALTER TABLE call_addendum ADD COLUMN received_at timestamptz;
-- Filled in without renumbering the records' changes (no new column is sent to desks).
ALTER TABLE call_record DISABLE TRIGGER call_record_change_order;
UPDATE call_record c SET received_at = least(c.updated_at, f.first) FROM
  (SELECT trust_id, record_id, min(applied_at) AS first FROM applied_mutation GROUP BY trust_id, record_id) f
  WHERE f.trust_id = c.trust_id AND f.record_id = c.id;
UPDATE call_record SET received_at = updated_at WHERE received_at IS NULL;
UPDATE call_record SET desk_finalised_at = finalised_at, desk_discarded_at = discarded_at;
ALTER TABLE call_record ENABLE TRIGGER call_record_change_order;
ALTER TABLE call_record ALTER COLUMN received_at SET DEFAULT now();
ALTER TABLE call_record ALTER COLUMN received_at SET NOT NULL;
ALTER TABLE call_addendum ALTER COLUMN received_at SET DEFAULT now();

-- What the desk said and when the server received a finalisation never change afterwards either.
CREATE OR REPLACE FUNCTION call_record_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'call records are never deleted' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.created_by IS NOT NULL AND NEW.created_by IS DISTINCT FROM OLD.created_by THEN
    RAISE EXCEPTION 'who started a call record never changes' USING ERRCODE = 'restrict_violation';
  END IF;
  IF NEW.received_at IS DISTINCT FROM OLD.received_at THEN
    RAISE EXCEPTION 'when the server received a call record never changes' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'finalised' AND (NEW.content IS DISTINCT FROM OLD.content OR NEW.status IS DISTINCT FROM OLD.status
      OR NEW.content_hash IS DISTINCT FROM OLD.content_hash OR NEW.finalised_at IS DISTINCT FROM OLD.finalised_at
      OR NEW.revision IS DISTINCT FROM OLD.revision OR NEW.finalised_by IS DISTINCT FROM OLD.finalised_by
      OR NEW.updated_by IS DISTINCT FROM OLD.updated_by OR NEW.desk_finalised_at IS DISTINCT FROM OLD.desk_finalised_at
      OR NEW.finalised_received_at IS DISTINCT FROM OLD.finalised_received_at OR NEW.desk_clock_note IS DISTINCT FROM OLD.desk_clock_note) THEN
    RAISE EXCEPTION 'finalised call records are immutable' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'discarded' AND (NEW.content IS DISTINCT FROM OLD.content OR NEW.status IS DISTINCT FROM OLD.status
      OR NEW.discarded_by IS DISTINCT FROM OLD.discarded_by OR NEW.discarded_at IS DISTINCT FROM OLD.discarded_at
      OR NEW.desk_discarded_at IS DISTINCT FROM OLD.desk_discarded_at OR NEW.discarded_received_at IS DISTINCT FROM OLD.discarded_received_at) THEN
    RAISE EXCEPTION 'discarded call records are immutable' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;
`,
  },
  {
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
  },
  {
    version: 13,
    name: 'directory snapshots stored compressed (zstd), with the hash and size of the file a desk installs',
    sql: `
-- A snapshot stored compressed: sha256 and bytes are the artefact's (what travels), installed_sha256
-- and installed_bytes the SQLite file a desk ends up with. NULL encoding: stored as installed (built
-- before this migration).
ALTER TABLE directory_snapshot ADD COLUMN encoding text CHECK (encoding IN ('zstd'));
ALTER TABLE directory_snapshot ADD COLUMN installed_sha256 text CHECK (installed_sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE directory_snapshot ADD COLUMN installed_bytes bigint CHECK (installed_bytes >= 0);
ALTER TABLE directory_snapshot ADD CONSTRAINT directory_snapshot_encoded CHECK ((encoding IS NULL) = (installed_sha256 IS NULL) AND (encoding IS NULL) = (installed_bytes IS NULL));
CREATE INDEX directory_snapshot_installed ON directory_snapshot (installed_sha256) WHERE installed_sha256 IS NOT NULL;
`,
  },
];

/** Applies the migrations this database has not seen; refuses a database newer than the code. */
export async function migrate(db: Db, migrations: readonly { version: number; name: string; sql: string }[] = MIGRATIONS): Promise<number> {
  await db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
  const latest = migrations.at(-1)!.version;
  return db.transaction(async (tx) => {
    // Several API nodes may start at once: one migrates, the others wait here.
    await tx.query('SELECT pg_advisory_xact_lock(7301)');
    const [{ v }] = (await tx.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM schema_migrations')) as [{ v: number }];
    if (v > latest) throw new Error(`The database is at schema version ${v}, newer than this server (${latest}). Deploy the newer server.`);
    for (const m of migrations.filter((m) => m.version > v)) {
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    return latest;
  });
}

/** Splits a migration into statements, keeping $$-quoted function bodies whole. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let inDollar = false;
  for (const line of sql.split('\n')) {
    if (line.trim().startsWith('--') && !inDollar) continue;
    current += `${line}\n`;
    if ((line.match(/\$\$/g) ?? []).length % 2 === 1) inDollar = !inDollar;
    if (!inDollar && line.trimEnd().endsWith(';')) {
      out.push(current.trim());
      current = '';
    }
  }
  if (current.trim()) out.push(current.trim());
  return out;
}
