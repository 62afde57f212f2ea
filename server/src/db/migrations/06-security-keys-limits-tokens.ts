import type { Migration } from './migration';

export const m06SecurityKeysLimitsTokens: Migration = {
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
};
