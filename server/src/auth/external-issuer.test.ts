import { createServer, type Server } from 'node:http';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOTH_DATABASES } from '../../../test/support/both-databases';
import { seedTestUsers } from '../../../test/support/server-fixtures';
import { authenticate, buildServer, type App, type RouteModule } from '../app';
import { loadConfig, type ServerConfig } from '../config';
import type { Db } from '../db/db';
import { migrate } from '../db/migrations';
import { createLocalHintBus } from '../hints/local-hint-bus';
import { routeModules } from '../routes';
import { createServerAuth, parseRoleMap, type ServerAuth } from './server-auth';
import { generateSigningKey, type SigningKey } from './tokens';

/** A stand-in for NHS CIS2 or a trust's provider: OIDC discovery and a JWKS on 127.0.0.1. */
async function startIssuer(key: SigningKey, options: { claimIssuer?: (real: string) => string } = {}) {
  const hits = { discovery: 0, jwks: 0 };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      hits.discovery++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: options.claimIssuer?.(issuer) ?? issuer, jwks_uri: `${issuer}/keys` }));
    } else if (req.url === '/keys') {
      hits.jwks++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.publicJwk] }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { issuer, hits, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const probe: RouteModule = (app, deps) => {
  app.get('/v1/probe', { onRequest: authenticate(deps) }, async (request) => request.principal!);
};

describe.each(BOTH_DATABASES)('an external OIDC issuer on %s', (_name, open) => {
  let db: Db;
  let drop: () => Promise<void>;
  let key: SigningKey;
  let idp: Awaited<ReturnType<typeof startIssuer>>;
  let config: ServerConfig;
  let auth: ServerAuth;
  let app: App;

  beforeAll(async () => {
    ({ db, drop } = await open());
    await migrate(db);
    await seedTestUsers(db);
    key = await generateSigningKey();
    idp = await startIssuer(key);
    // Claims where a real provider might put them: the organisation, and roles nested under realm_access.
    config = loadConfig({
      LOG_LEVEL: 'silent',
      DATA_DIR: '/nonexistent',
      OIDC_ISSUER: idp.issuer,
      OIDC_CLAIM_TRUST: 'org',
      OIDC_CLAIM_ROLES: 'realm_access.roles',
      OIDC_ROLE_MAP: 'R8000=clinician, R8001=team_lead',
    });
    auth = await createServerAuth(db, config);
    app = await buildServer({ db, config, verifyToken: auth.verifyToken, hints: createLocalHintBus() }, [...routeModules, probe]);
  });
  afterAll(async () => {
    auth.close();
    await app.close();
    await idp.close();
    await db.close();
    await drop();
  });

  const token = (sub: string, claims: Record<string, unknown>, signWith: SigningKey = key, issuer = idp.issuer) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: signWith.kid }).setSubject(sub).setIssuer(issuer).setAudience(config.OIDC_AUDIENCE).setExpirationTime('5m').setJti(`${sub}-jti`).sign(signWith.privateKey);
  const call = async (jwt: string) => app.inject({ method: 'GET', url: '/v1/probe', headers: { authorization: `Bearer ${jwt}` } });

  it('accepts a token the issuer signed, mapping its claims, and creates the user on first use', async () => {
    const jwt = await token('ext-1', { org: 'trust-a', team_id: 'team-a1', name: 'Ext Clinician', realm_access: { roles: ['R8000', 'R9999'] } });
    const r = await call(jwt);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ userId: 'ext-1', trustId: 'trust-a', teamId: 'team-a1', roles: ['clinician'], displayName: 'Ext Clinician' });
    expect(await db.query("SELECT trust_id, team_id, display_name, roles, password_hash FROM app_user WHERE id = 'ext-1'")).toEqual([
      { trust_id: 'trust-a', team_id: 'team-a1', display_name: 'Ext Clinician', roles: ['clinician'], password_hash: null },
    ]);
    expect((await call(jwt)).statusCode).toBe(200);
    expect(idp.hits.discovery).toBe(1);
  });

  it('refuses, with a clear 403, a user whose trust or team is not set up here', async () => {
    const noTrust = await call(await token('ext-2', { org: 'trust-unknown', realm_access: { roles: ['R8000'] } }));
    expect(noTrust.statusCode).toBe(403);
    expect(noTrust.json().message).toMatch(/trust \(trust-unknown\) is not set up/);
    const wrongTeam = await call(await token('ext-3', { org: 'trust-a', team_id: 'team-b1', realm_access: { roles: ['R8001'] } }));
    expect(wrongTeam.statusCode).toBe(403);
    expect(wrongTeam.json().message).toMatch(/team \(team-b1\)/);
    expect(await db.query("SELECT id FROM app_user WHERE id IN ('ext-2', 'ext-3')")).toEqual([]);
  });

  it('refuses tokens the issuer did not sign, or signed for someone else’s issuer name', async () => {
    const stranger = await generateSigningKey();
    expect((await call(await token('ext-4', { org: 'trust-a', realm_access: { roles: ['R8000'] } }, stranger))).statusCode).toBe(401);
    expect((await call(await token('ext-4', { org: 'trust-a', realm_access: { roles: ['R8000'] } }, key, 'http://elsewhere.test'))).statusCode).toBe(401);
    expect((await call(await token('ext-4', { org: 'trust-a', realm_access: { roles: ['R1'] } }))).statusCode).toBe(403);
  });

  it('does not run the built-in identity provider', async () => {
    expect((await app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/oidc/token', payload: {} })).statusCode).toBe(404);
  });

  it('answers 503 while the issuer cannot be reached or describes another issuer, and recovers', async () => {
    const down = await startIssuer(key);
    await down.close();
    const unreachable = await createServerAuth(db, loadConfig({ ...configEnv(config), OIDC_ISSUER: down.issuer }));
    await expect(unreachable.verifyToken(await token('ext-1', { org: 'trust-a', realm_access: { roles: ['R8000'] } }, key, down.issuer))).rejects.toMatchObject({
      statusCode: 503,
      code: 'identity_provider_unavailable',
    });
    unreachable.close();

    const impostor = await startIssuer(key, { claimIssuer: () => 'http://someone-else.test' });
    const confused = await createServerAuth(db, loadConfig({ ...configEnv(config), OIDC_ISSUER: impostor.issuer }));
    const jwt = await token('ext-1', { org: 'trust-a', realm_access: { roles: ['R8000'] } }, key, impostor.issuer);
    await expect(confused.verifyToken(jwt)).rejects.toMatchObject({ statusCode: 503 });
    await expect(confused.verifyToken(jwt)).rejects.toMatchObject({ statusCode: 503 });
    expect(impostor.hits.discovery).toBe(2);
    confused.close();
    await impostor.close();
  });

  it('uses OIDC_JWKS_URL without discovery when it is given', async () => {
    const direct = await createServerAuth(db, loadConfig({ ...configEnv(config), OIDC_JWKS_URL: `${idp.issuer}/keys` }));
    const before = idp.hits.discovery;
    expect(await direct.verifyToken(await token('ext-1', { org: 'trust-a', realm_access: { roles: ['R8000'] } }))).toMatchObject({ userId: 'ext-1' });
    expect(idp.hits.discovery).toBe(before);
    direct.close();
  });
});

describe('OIDC_ROLE_MAP', () => {
  it('reads provider roles as ours and refuses a mapping to a role that does not exist', () => {
    expect(parseRoleMap(' R8000=clinician ,R8001=team_lead')).toEqual({ R8000: 'clinician', R8001: 'team_lead' });
    expect(parseRoleMap(undefined)).toEqual({});
    expect(() => parseRoleMap('R8000=superuser')).toThrow(/OIDC_ROLE_MAP/);
  });
});

/** The environment a config was loaded from, so a test can vary one setting. */
function configEnv(c: ServerConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(c)) if (/^[A-Z_]+$/.test(k) && v !== undefined) env[k] = String(v);
  return env;
}
