import path from 'node:path';
import { z } from 'zod';

const Env = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  /** A real PostgreSQL; without it the server embeds PGlite in DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default(path.resolve('.data/server')),
  /** The URL desks and browsers reach this server at (issuer of the built-in identity provider). */
  PUBLIC_URL: z.string().url().optional(),
  /** An external OIDC issuer (NHS CIS2, a trust's provider). Unset: the built-in development provider. */
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_JWKS_URL: z.string().url().optional(),
  OIDC_AUDIENCE: z.string().default('crisis-desk-api'),
  /** Where an external provider's access tokens carry trust, team, roles and name (dots reach nested claims). */
  OIDC_CLAIM_TRUST: z.string().min(1).default('trust_id'),
  OIDC_CLAIM_TEAM: z.string().min(1).default('team_id'),
  OIDC_CLAIM_ROLES: z.string().min(1).default('roles'),
  OIDC_CLAIM_NAME: z.string().min(1).default('name'),
  /** The provider's role values as ours, e.g. `R8000=clinician,R8001=team_lead`; unset, roles are read as named. */
  OIDC_ROLE_MAP: z.string().optional(),
  /** Seed the demo trusts, users and directory (the built-in provider only). */
  DEMO: z.enum(['0', '1']).default('0'),
  /** With DEMO=1: a directory (NDJSON of services) to publish for each demo trust that has none yet. */
  DEMO_DIRECTORY_FILE: z.string().optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(600),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(90).default(14),
  TOMBSTONE_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(4 * 1024 * 1024),
  /** The largest release file (installer) an admin may upload into the artefact store. */
  ARTEFACT_MAX_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ServerConfig = z.infer<typeof Env> & { publicUrl: string };

/** Reads the server's configuration from the environment, failing with every problem named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Server configuration is not valid: ${problems}`);
  }
  const c = parsed.data;
  return { ...c, publicUrl: c.PUBLIC_URL ?? `http://${c.HOST}:${c.PORT}` };
}
