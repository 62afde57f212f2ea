import { HttpError } from '../app';
import type { ServerConfig } from '../config';
import type { Db } from '../db/db';
import { builtInIssuer } from './issuer';
import { ensureKnownUser } from './known-users';
import { ROLES, type Principal, type Role } from './principal';
import { keyEncryptionKeys } from './key-encryption';
import { isAccessTokenRevoked, purgeExpiredAuthState } from './revocation';
import { loadSigningKeys } from './signing-keys';
import { createTokenVerifier, KeySetUnavailableError, type ClaimNames } from './tokens';

export interface ServerAuth {
  /** For ServerDeps: a verified, known principal, or a TokenError (401/403) or HttpError (503). */
  verifyToken(token: string): Promise<Principal>;
  /** Stops the periodic purge of expired revocations, codes and refresh tokens. */
  close(): void;
}

type Verify = (token: string) => Promise<Principal>;

/** Where failures to reach the identity provider are reported (pino's shape). */
export interface AuthLog {
  warn(details: object, message: string): void;
}

const PURGE_EVERY_MS = 15 * 60_000;

/**
 * Token verification for the server: against an external OIDC issuer when OIDC_ISSUER is set
 * (users created on first use), otherwise against the built-in identity provider's keys.
 */
export async function createServerAuth(db: Db, config: ServerConfig, options: { log?: AuthLog } = {}): Promise<ServerAuth> {
  const isRevoked = (jti: string) => isAccessTokenRevoked(db, jti);
  const external = config.OIDC_ISSUER !== undefined;
  let verify: () => Promise<Verify>;
  if (config.OIDC_ISSUER) {
    const issuer = config.OIDC_ISSUER;
    const claims: ClaimNames = { trust: config.OIDC_CLAIM_TRUST, team: config.OIDC_CLAIM_TEAM, roles: config.OIDC_CLAIM_ROLES, name: config.OIDC_CLAIM_NAME };
    const roleMap = parseRoleMap(config.OIDC_ROLE_MAP);
    // Discovered on first use and again after a failure, so the API starts while the provider is down.
    let pending: Promise<Verify> | null = null;
    verify = () =>
      (pending ??= (async () => {
        const jwks = config.OIDC_JWKS_URL ? new URL(config.OIDC_JWKS_URL) : await discoverJwksUri(issuer);
        return createTokenVerifier({ issuer, audience: config.OIDC_AUDIENCE, jwks, claims, roleMap, isRevoked });
      })().catch((e) => {
        pending = null;
        throw e;
      }));
  } else {
    const keys = await loadSigningKeys(db, keyEncryptionKeys(config, { warn: (message) => options.log?.warn({}, message) }));
    const builtIn = createTokenVerifier({ issuer: builtInIssuer(config), audience: config.OIDC_AUDIENCE, jwks: { keys: keys.publicJwks }, typ: 'at+jwt', isRevoked });
    verify = async () => builtIn;
  }

  const timer = setInterval(() => void purgeExpiredAuthState(db).catch(() => {}), PURGE_EVERY_MS);
  timer.unref();

  return {
    async verifyToken(token) {
      let principal: Principal;
      try {
        principal = await (await verify())(token);
      } catch (e) {
        if (e instanceof KeySetUnavailableError) {
          options.log?.warn({ reason: e.message, cause: (e.cause as Error | undefined)?.message }, 'identity provider unavailable');
          throw new HttpError(503, 'identity_provider_unavailable', 'The sign-in service cannot be reached just now. Your work is kept on the desk; try again in a minute.');
        }
        throw e;
      }
      await ensureKnownUser(db, principal, { provision: external });
      return principal;
    },
    close: () => clearInterval(timer),
  };
}

/** The issuer's jwks_uri from its OpenID Provider metadata, checking the metadata is the issuer's own. */
async function discoverJwksUri(issuer: string): Promise<URL> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let metadata: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'error' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    metadata = (await response.json()) as typeof metadata;
  } catch (e) {
    throw new KeySetUnavailableError(`OpenID discovery at ${url} failed`, { cause: e });
  }
  if (metadata.issuer !== issuer || typeof metadata.jwks_uri !== 'string') {
    throw new KeySetUnavailableError(`OpenID discovery at ${url} does not describe the issuer ${issuer}`);
  }
  return new URL(metadata.jwks_uri);
}

/** `R8000=clinician,R8001=team_lead` → { R8000: 'clinician', R8001: 'team_lead' }. */
export function parseRoleMap(text: string | undefined): Record<string, Role> {
  const map: Record<string, Role> = Object.create(null);
  for (const entry of (text ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const [from, to] = entry.split('=').map((s) => s.trim());
    if (!from || !(ROLES as readonly string[]).includes(to ?? '')) {
      throw new Error(`OIDC_ROLE_MAP: "${entry}" should be <provider role>=<${ROLES.join('|')}>`);
    }
    map[from] = to as Role;
  }
  return map;
}
