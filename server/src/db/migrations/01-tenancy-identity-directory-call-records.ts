import type { Migration } from './migration';

export const m01TenancyIdentityDirectoryCallRecords: Migration = {
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
};
