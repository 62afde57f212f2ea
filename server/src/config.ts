import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DESK_CLIENT_ID } from '../../shared/sync/sign-in-provider';

const Env = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  /** A real PostgreSQL; without it the server embeds PGlite in DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /**
   * With DATABASE_URL, per API node: the most connections it holds (N nodes hold up to N × this,
   * plus one each for hints: keep that under PostgreSQL's max_connections), how long a statement
   * may run, how long a session may sit idle inside a transaction (a stalled node cannot hold locks
   * others wait on), and how long a request waits for a connection before it is answered 503.
   */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(120_000),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).default(60_000),
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  /** This node's name in logs, pg_stat_activity and snapshot builds (default: host name and process id). */
  NODE_NAME: z.string().min(1).max(100).optional(),
  /**
   * With DATABASE_URL only a cache, which can be deleted at any time (every artefact a desk downloads
   * is in PostgreSQL), and the demo's sealing secret; without, PGlite's database lives here too.
   */
  DATA_DIR: z.string().default(path.resolve('.data/server')),
  /** The URL desks and browsers reach this server at (issuer of the built-in identity provider). */
  PUBLIC_URL: z.string().url().optional(),
  /** An external OIDC issuer (NHS CIS2, a trust's provider). Unset: the built-in development provider. */
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_JWKS_URL: z.string().url().optional(),
  OIDC_AUDIENCE: z.string().default('crisis-desk-api'),
  /** The desks' client id at an external provider (a public client with PKCE and loopback redirects, RFC 8252); desks learn it from GET /v1/sign-in/provider. */
  DESK_OIDC_CLIENT_ID: z.string().min(1).max(200).default(DESK_CLIENT_ID),
  /**
   * `1`: desks and the console ask an external provider for consent at each sign-in (prompt=consent),
   * for a provider that issues a refresh token for offline_access only then (OIDC Core §11; e.g.
   * node oidc-provider). Without a refresh token a session ends with its first access token.
   */
  OIDC_ASK_CONSENT: z.enum(['0', '1']).default('0'),
  /** The admin console's client id at the identity provider (a public client with PKCE; its redirect URI is PUBLIC_URL/console/callback). */
  CONSOLE_OIDC_CLIENT_ID: z.string().min(1).max(200).default('crisis-desk-console'),
  /** Where an external provider's access tokens carry trust, team, roles and name (dots reach nested claims). */
  OIDC_CLAIM_TRUST: z.string().min(1).default('trust_id'),
  OIDC_CLAIM_TEAM: z.string().min(1).default('team_id'),
  OIDC_CLAIM_ROLES: z.string().min(1).default('roles'),
  OIDC_CLAIM_NAME: z.string().min(1).default('name'),
  /** The provider's role values as ours, e.g. `R8000=clinician,R8001=team_lead`; unset, roles are read as named. */
  OIDC_ROLE_MAP: z.string().optional(),
  /**
   * The built-in provider's private signing keys are stored sealed under this secret (at least 32
   * characters; several, one a line or comma-separated, to change it: the first seals). Or a file
   * holding it. Unset with DEMO=1: the demo makes one in DATA_DIR.
   */
  SIGNING_KEY_ENCRYPTION_KEY: z.string().optional(),
  SIGNING_KEY_ENCRYPTION_KEY_FILE: z.string().optional(),
  /**
   * Behind a load balancer or reverse proxy: whose X-Forwarded-For to believe for the caller's
   * address (sign-in limits count by it): `true`, a number of hops, or addresses and CIDRs
   * separated by commas. Unset: the address of the connection.
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v): boolean | number | string[] | undefined => (v === undefined || v === '' || v === 'false' ? undefined : v === 'true' ? true : /^\d+$/.test(v) ? Number(v) : v.split(',').map((s) => s.trim()).filter(Boolean))),
  /**
   * The built-in provider's password form (server/src/auth/dev-idp/sign-in-limits.ts): attempts an
   * address may make a minute; wrong passwords in a row that lock a username; wrong passwords from
   * one address that block it; and for how long. Many users behind one address (a trust's proxy)
   * may need a higher per-address figure.
   */
  SIGN_IN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  SIGN_IN_FAILURES_BEFORE_LOCKOUT: z.coerce.number().int().min(1).max(1000).default(5),
  SIGN_IN_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(30),
  SIGN_IN_LOCKOUT_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  /** Hint streams one user may hold open across every API node, and one desk. */
  HINT_STREAMS_PER_USER: z.coerce.number().int().min(1).max(1000).default(20),
  HINT_STREAMS_PER_DESK: z.coerce.number().int().min(1).max(100).default(2),
  /** Seed the demo trusts, users and directory (the built-in provider only). */
  DEMO: z.enum(['0', '1']).default('0'),
  /** With DEMO=1: a directory (NDJSON of services) to publish for each demo trust that has none yet. */
  DEMO_DIRECTORY_FILE: z.string().optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(600),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(90).default(14),
  TOMBSTONE_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(4 * 1024 * 1024),
  /** A complete import that would withdraw more than this share of the trust's services waits for an admin's confirmation. */
  IMPORT_WITHDRAWAL_CONFIRM_PERCENT: z.coerce.number().min(0).max(100).default(10),
  /** The most one import reads: bytes of the whole feed, bytes of one API page, service records. */
  IMPORT_MAX_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024 * 1024),
  IMPORT_MAX_PAGE_BYTES: z.coerce.number().int().min(1024).default(50 * 1024 * 1024),
  IMPORT_MAX_RECORDS: z.coerce.number().int().min(1).default(250_000),
  /** Addresses beyond the public internet that URL imports may reach (CIDR ranges, addresses, host names; optional :port). */
  IMPORT_FETCH_ALLOW: z.string().default(''),
  /** The largest release file (installer) an admin may upload into the artefact store. */
  ARTEFACT_MAX_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ServerConfig = z.infer<typeof Env> & { publicUrl: string; nodeName: string };

/** Reads the server's configuration from the environment, failing with every problem named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Server configuration is not valid: ${problems}`);
  }
  const c = parsed.data;
  return { ...c, publicUrl: c.PUBLIC_URL ?? `http://${c.HOST}:${c.PORT}`, nodeName: c.NODE_NAME ?? `${hostname()}:${process.pid}` };
}
