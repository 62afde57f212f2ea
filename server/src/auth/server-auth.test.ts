import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOTH_DATABASES } from '../../../test/support/both-databases';
import { seedTestUsers, USERS, type TestUser } from '../../../test/support/server-fixtures';
import { authenticate, buildServer, type App, type RouteModule } from '../app';
import { loadConfig } from '../config';
import { keyEncryptionKeys } from './key-encryption';
import type { Db } from '../db/db';
import { migrate } from '../db/migrations';
import { createLocalHintBus } from '../hints/local-hint-bus';
import { isAccessTokenRevoked, purgeExpiredAuthState, revokeAccessToken } from './revocation';
import { createServerAuth, type ServerAuth } from './server-auth';
import { loadSigningKeys, type SigningKeys } from './signing-keys';
import { generateSigningKey, signAccessToken, type SigningKey } from './tokens';

const ISSUER = 'http://api.test';
const AUDIENCE = 'crisis-desk-api';

const probe: RouteModule = (app, deps) => {
  app.get('/v1/probe', { onRequest: authenticate(deps) }, async (request) => ({ user: request.principal!.userId, roles: request.principal!.roles }));
};

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe.each(BOTH_DATABASES)('access tokens of the built-in provider on %s', (_name, open) => {
  let db: Db;
  let drop: () => Promise<void>;
  let auth: ServerAuth;
  let app: App;
  let keys: SigningKeys;

  beforeAll(async () => {
    ({ db, drop } = await open());
    await migrate(db);
    await seedTestUsers(db);
    const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: '/nonexistent', PUBLIC_URL: ISSUER, SIGNING_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') });
    auth = await createServerAuth(db, config);
    keys = await loadSigningKeys(db, keyEncryptionKeys(config));
    app = await buildServer({ db, config, verifyToken: auth.verifyToken, hints: createLocalHintBus() }, [probe]);
  });
  afterAll(async () => {
    auth.close();
    await app.close();
    await db.close();
    await drop();
  });

  const sign = (user: TestUser, opts: { key?: SigningKey; ttlSeconds?: number; issuer?: string; audience?: string } = {}) =>
    signAccessToken(opts.key ?? keys.active, { ...user, displayName: user.userId }, { issuer: opts.issuer ?? ISSUER, audience: opts.audience ?? AUDIENCE, ttlSeconds: opts.ttlSeconds ?? 300, clientId: 'crisis-desk' });
  const call = (token: string | null) => app.inject({ method: 'GET', url: '/v1/probe', headers: token === null ? {} : { authorization: `Bearer ${token}` } });

  async function expectRefused(token: string | null, status: 401 | 403, error: string) {
    const r = await call(token);
    expect(r.statusCode).toBe(status);
    expect(r.json()).toMatchObject({ error });
    expect(typeof r.json().message).toBe('string');
    if (status === 401) expect(r.headers['www-authenticate']).toMatch(/^Bearer error="invalid_(token|request)"$/);
  }

  it('accepts a token it signed for a known user', async () => {
    const r = await call(await sign(USERS.a1Lead));
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ user: 'a1-lead', roles: ['team_lead'] });
  });

  it('refuses a missing token', () => expectRefused(null, 401, 'unauthorized'));

  it('refuses an expired token', async () => expectRefused(await sign(USERS.a1Clinician, { ttlSeconds: -120 }), 401, 'token_expired'));

  it('refuses a token signed by another key, even with our key id', async () => {
    const other = await generateSigningKey();
    await expectRefused(await sign(USERS.a1Clinician, { key: other }), 401, 'unauthorized');
    await expectRefused(await sign(USERS.a1Clinician, { key: { ...other, kid: keys.active.kid } }), 401, 'unauthorized');
  });

  it('refuses an unsigned token (alg none) and an HMAC token keyed with the public key', async () => {
    const payload = { sub: 'a1-lead', trust_id: 'trust-a', team_id: 'team-a1', roles: ['team_lead'], iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300, jti: 'x' };
    await expectRefused(`${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(payload)}.`, 401, 'unauthorized');
    const hmac = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: keys.active.kid, typ: 'at+jwt' }).sign(new TextEncoder().encode(JSON.stringify(keys.active.publicJwk)));
    await expectRefused(hmac, 401, 'unauthorized');
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [header, payload, signature] = (await sign(USERS.a1Clinician)).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    await expectRefused(`${header}.${b64({ ...claims, roles: ['admin'] })}.${signature}`, 401, 'unauthorized');
    await expectRefused(`${header}.${b64({ ...claims, trust_id: 'trust-b' })}.${signature}`, 401, 'unauthorized');
  });

  it('refuses a token for another issuer or another audience', async () => {
    await expectRefused(await sign(USERS.a1Clinician, { issuer: 'http://elsewhere.test' }), 401, 'unauthorized');
    await expectRefused(await sign(USERS.a1Clinician, { audience: 'crisis-desk' }), 401, 'unauthorized');
  });

  it('refuses an ID token presented as an access token', async () => {
    const idToken = await new SignJWT({ trust_id: 'trust-a', roles: ['clinician'] })
      .setProtectedHeader({ alg: 'ES256', kid: keys.active.kid, typ: 'JWT' })
      .setSubject('a1-clin')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(keys.active.privateKey);
    await expectRefused(idToken, 401, 'unauthorized');
  });

  it('answers 403 for a valid token with no Crisis Desk role, 401 for one without roles at all', async () => {
    const token = (roles: unknown) =>
      new SignJWT({ trust_id: 'trust-a', ...(roles === undefined ? {} : { roles }) })
        .setProtectedHeader({ alg: 'ES256', kid: keys.active.kid, typ: 'at+jwt' })
        .setSubject('a1-clin')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(keys.active.privateKey);
    await expectRefused(await token(['receptionist']), 403, 'forbidden');
    await expectRefused(await token([]), 403, 'forbidden');
    await expectRefused(await token(undefined), 401, 'unauthorized');
  });

  it('refuses a user it does not know, a disabled user, and a token naming another trust than the user’s', async () => {
    await expectRefused(await sign({ userId: 'ghost', trustId: 'trust-a', teamId: null, roles: ['admin'] }), 401, 'unauthorized');
    await expectRefused(await sign({ ...USERS.b1Clinician, trustId: 'trust-a' }), 403, 'forbidden');
    await db.query("UPDATE app_user SET disabled = true WHERE id = 'a2-clin'");
    await expectRefused(await sign(USERS.a2Clinician), 403, 'forbidden');
  });

  it('refuses a revoked token, and purges a revocation only after the token could no longer verify', async () => {
    const token = await sign(USERS.a1Clinician2);
    const jti = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti as string;
    await revokeAccessToken(db, jti, new Date(Date.now() + 300_000));
    await expectRefused(token, 401, 'token_revoked');

    await revokeAccessToken(db, 'just-expired', new Date(Date.now() - 1000));
    await revokeAccessToken(db, 'long-expired', new Date(Date.now() - 3_600_000));
    await purgeExpiredAuthState(db);
    expect(await isAccessTokenRevoked(db, jti)).toBe(true);
    // Still inside the verifier's clock tolerance: the revocation must outlive it.
    expect(await isAccessTokenRevoked(db, 'just-expired')).toBe(true);
    expect(await db.query("SELECT jti FROM revoked_access_token WHERE jti = 'long-expired'")).toEqual([]);
  });
});
