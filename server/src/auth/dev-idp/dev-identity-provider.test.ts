import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOTH_DATABASES } from '../../../../test/support/both-databases';
import { freePort } from '../../../../test/support/free-port';
import { testServerEnv, type TestServerEnv } from '../../../../test/support/server-env';
import {
  authorizeUrl,
  DESK_CLIENT,
  hiddenFields,
  newPkce,
  obtainTokens,
  postForm,
  signIn,
  startLoopbackReceiver,
  type LoopbackReceiver,
} from '../../../../test/support/oidc-client';
import { authenticate, type RouteModule } from '../../app';
import { loadConfig, type ServerConfig } from '../../config';
import { DEMO_PASSWORD } from '../../demo/seed-users';
import { startServer, type RunningServer } from '../../runtime/start-server';
import { keyEncryptionKeys } from '../key-encryption';
import { createServerAuth } from '../server-auth';
import { loadSigningKeys } from '../signing-keys';
import { devIdentityProvider } from './dev-identity-provider';

/** A route of the API behind a token, standing in for the directory and sync routes. */
const probe: RouteModule = (app, deps) => {
  app.get('/v1/probe', { onRequest: authenticate(deps) }, async (request) => ({ user: request.principal!.userId }));
};

describe.each(BOTH_DATABASES)('built-in identity provider on %s (real HTTP on 127.0.0.1)', (_name, open) => {
  let server: RunningServer;
  let config: ServerConfig;
  let receiver: LoopbackReceiver;
  let drop: () => Promise<void>;
  let base: string;
  let serverEnv: TestServerEnv;

  beforeAll(async () => {
    const opened = await open();
    drop = opened.drop;
    const port = await freePort();
    serverEnv = testServerEnv();
    config = loadConfig({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, DEMO: '1', LOG_LEVEL: 'silent', ...serverEnv.env });
    server = await startServer(config, { log: pino({ level: 'silent' }), db: opened.db, modules: [devIdentityProvider, probe] });
    base = server.url;
    receiver = await startLoopbackReceiver();
  });
  afterAll(async () => {
    await server.stop();
    await receiver.close();
    await drop();
    serverEnv.remove();
  });

  const api = (token: string, path = '/v1/probe') => fetch(new URL(path, base), { headers: { authorization: `Bearer ${token}` } });
  const token = (form: Record<string, string | undefined>) => postForm(base, '/oidc/token', { client_id: DESK_CLIENT, ...form });
  const codeFor = async (pkce = newPkce(), redirectUri = receiver.redirectUri) => {
    const outcome = await signIn(base, receiver, { redirectUri, challenge: pkce.challenge, state: 's', username: 'clinician.south', password: DEMO_PASSWORD });
    return { code: outcome.callback!.get('code')!, pkce, redirectUri };
  };

  it('publishes OpenID metadata whose endpoints are on this server', async () => {
    const meta = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(meta.issuer).toBe(base);
    expect(meta.token_endpoint).toBe(`${base}/oidc/token`);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('signs a desk in: sign-in page, form post, loopback redirect, code + PKCE exchange; the token opens the API and userinfo', async () => {
    const pkce = newPkce();
    const outcome = await signIn(base, receiver, { redirectUri: receiver.redirectUri, challenge: pkce.challenge, state: 'st-123', nonce: 'n-456', username: 'lead.south', password: DEMO_PASSWORD });
    expect(outcome.status).toBe(200);
    const callback = outcome.callback!;
    expect(callback.get('state')).toBe('st-123');
    expect(callback.get('iss')).toBe(base);

    const r = await token({ grant_type: 'authorization_code', code: callback.get('code')!, redirect_uri: receiver.redirectUri, code_verifier: pkce.verifier });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const tokens = r.body as { access_token: string; refresh_token: string; id_token: string; expires_in: number; scope: string };
    expect(tokens.expires_in).toBe(config.ACCESS_TOKEN_TTL_SECONDS);
    expect(tokens.scope).toBe('openid profile offline_access');

    const principal = await server.deps.verifyToken(tokens.access_token);
    expect(principal).toMatchObject({ userId: 'lead.south', trustId: 'demo-south', teamId: 'demo-south-day', roles: ['clinician', 'team_lead'] });
    expect(await (await api(tokens.access_token)).json()).toEqual({ user: 'lead.south' });
    const userinfo = await api(tokens.access_token, '/oidc/userinfo');
    expect(await userinfo.json()).toEqual({ sub: 'lead.south', name: 'Demo Team Lead (Southvale day)', trust_id: 'demo-south', team_id: 'demo-south-day', roles: ['clinician', 'team_lead'] });

    const jwks = (await (await fetch(`${base}/oidc/jwks`)).json()) as { keys: [] };
    const { payload } = await jwtVerify(tokens.id_token, createLocalJWKSet(jwks), { issuer: base, audience: DESK_CLIENT });
    expect(payload).toMatchObject({ sub: 'lead.south', nonce: 'n-456' });
  });

  it('refuses a wrong password on the page, with the message tied to the field, and issues no code', async () => {
    const outcome = await signIn(base, receiver, { redirectUri: receiver.redirectUri, challenge: newPkce().challenge, username: 'clinician.south', password: 'not-the-password' });
    expect(outcome.status).toBe(401);
    expect(outcome.callback).toBeNull();
    expect(outcome.html).toContain('role="alert"');
    expect(outcome.html).toContain('aria-describedby="error"');
    const unknown = await signIn(base, receiver, { redirectUri: receiver.redirectUri, challenge: newPkce().challenge, username: 'nobody', password: DEMO_PASSWORD });
    expect(unknown.status).toBe(401);
  });

  it('refuses a wrong code_verifier, and the code is spent by the attempt', async () => {
    const { code, pkce } = await codeFor();
    const wrong = await token({ grant_type: 'authorization_code', code, redirect_uri: receiver.redirectUri, code_verifier: newPkce().verifier });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: 'invalid_grant' });
    expect(wrong.body.error_description).toMatch(/code_verifier/);
    const right = await token({ grant_type: 'authorization_code', code, redirect_uri: receiver.redirectUri, code_verifier: pkce.verifier });
    expect(right.body).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a code used twice, and ends the session the first use started', async () => {
    const { code, pkce } = await codeFor();
    const exchange = () => token({ grant_type: 'authorization_code', code, redirect_uri: receiver.redirectUri, code_verifier: pkce.verifier });
    const first = await exchange();
    expect(first.status).toBe(200);
    const again = await exchange();
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: 'invalid_grant' });
    const refresh = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string });
    expect(refresh.body).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses an expired code', async () => {
    const { code, pkce } = await codeFor();
    await server.deps.db.query("UPDATE oidc_code SET expires_at = now() - interval '1 second' WHERE used_at IS NULL");
    const r = await token({ grant_type: 'authorization_code', code, redirect_uri: receiver.redirectUri, code_verifier: pkce.verifier });
    expect(r.status).toBe(400);
    expect(r.body.error_description).toMatch(/expired/);
  });

  it('refuses a redirect_uri at the exchange other than the one the code was issued for', async () => {
    const { code, pkce } = await codeFor();
    const r = await token({ grant_type: 'authorization_code', code, redirect_uri: `${receiver.redirectUri}/elsewhere`, code_verifier: pkce.verifier });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'invalid_grant' });
  });

  it('accepts any loopback port (RFC 8252 §7.3) but never redirects to a non-loopback or unregistered URI', async () => {
    const other = await startLoopbackReceiver('/other/path');
    try {
      const pkce = newPkce();
      const outcome = await signIn(base, other, { redirectUri: other.redirectUri, challenge: pkce.challenge, username: 'clinician.north', password: DEMO_PASSWORD });
      expect(outcome.callback?.get('code')).toBeTruthy();
    } finally {
      await other.close();
    }
    for (const redirectUri of ['https://attacker.example/cb', 'http://localhost:5000/cb', 'http://127.0.0.1.attacker.example/cb', 'https://127.0.0.1:5000/cb', 'http://user@127.0.0.1:5000/cb', 'javascript:alert(1)']) {
      const page = await fetch(authorizeUrl(base, { redirectUri, challenge: newPkce().challenge }), { headers: { accept: 'text/html' }, redirect: 'manual' });
      expect(page.status, redirectUri).toBe(400);
      expect(page.headers.get('location')).toBeNull();
      expect(await page.text()).toContain('redirect_uri');
    }
    // A tampered form post is checked again, not trusted because the page once showed it.
    const page = await fetch(authorizeUrl(base, { redirectUri: receiver.redirectUri, challenge: newPkce().challenge }), { headers: { accept: 'text/html' } });
    const form = new URLSearchParams({ ...hiddenFields(await page.text()), redirect_uri: 'https://attacker.example/cb', username: 'clinician.south', password: DEMO_PASSWORD });
    const post = await fetch(`${base}/oidc/authorize`, { method: 'POST', body: form, redirect: 'manual' });
    expect(post.status).toBe(400);
    expect(post.headers.get('location')).toBeNull();
  });

  it('refuses plain PKCE, a missing method and a missing challenge, telling the client at its redirect URI', async () => {
    const pkce = newPkce();
    for (const params of [{ challenge: pkce.verifier, method: 'plain' }, { challenge: pkce.challenge, method: '' }, { challenge: undefined }]) {
      const r = await fetch(authorizeUrl(base, { redirectUri: receiver.redirectUri, state: 'keep-me', ...params }), { redirect: 'manual' });
      expect(r.status).toBe(302);
      const location = new URL(r.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(receiver.redirectUri);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('state')).toBe('keep-me');
      expect(location.searchParams.get('code')).toBeNull();
    }
  });

  it('refuses an unknown client at every endpoint', async () => {
    const page = await fetch(authorizeUrl(base, { clientId: 'someone-else', redirectUri: receiver.redirectUri, challenge: newPkce().challenge }), { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    const r = await postForm(base, '/oidc/token', { client_id: 'someone-else', grant_type: 'refresh_token', refresh_token: 'x' });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ error: 'invalid_client' });
  });

  it('answers OAuth errors for a missing or unsupported grant and missing parameters', async () => {
    expect((await token({})).body).toMatchObject({ error: 'invalid_request', error_description: 'grant_type is required.' });
    expect((await token({ grant_type: 'password' })).body).toMatchObject({ error: 'unsupported_grant_type' });
    expect((await token({ grant_type: 'authorization_code' })).body).toMatchObject({ error: 'invalid_request', error_description: 'code is required.' });
    const nul = await token({ grant_type: 'authorization_code', code: 'a\u0000b' });
    expect(nul.status).toBe(400);
    expect(nul.body).toMatchObject({ error: 'invalid_request' });
  });

  it('rotates refresh tokens; presenting a spent one revokes the whole family, the newest too', async () => {
    const first = await obtainTokens(base, receiver, 'clinician.south', DEMO_PASSWORD);
    const second = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect((await api(second.body.access_token as string)).status).toBe(200);
    const third = await token({ grant_type: 'refresh_token', refresh_token: second.body.refresh_token as string });
    expect(third.status).toBe(200);

    const replay = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ error: 'invalid_grant' });
    const newest = await token({ grant_type: 'refresh_token', refresh_token: third.body.refresh_token as string });
    expect(newest.status).toBe(400);
    expect(newest.body).toMatchObject({ error: 'invalid_grant' });
  });

  it('revokes a refresh token (its session can no longer refresh, nor use its access tokens) and an access token by jti (the API answers 401 token_revoked)', async () => {
    const signedOut = await obtainTokens(base, receiver, 'clinician.north', DEMO_PASSWORD);
    expect((await api(signedOut.access_token)).status).toBe(200);
    expect((await postForm(base, '/oidc/revoke', { client_id: DESK_CLIENT, token: signedOut.refresh_token, token_type_hint: 'refresh_token' })).status).toBe(200);
    expect((await token({ grant_type: 'refresh_token', refresh_token: signedOut.refresh_token })).body).toMatchObject({ error: 'invalid_grant' });
    expect(await (await api(signedOut.access_token)).json()).toMatchObject({ error: 'token_revoked' });

    const tokens = await obtainTokens(base, receiver, 'clinician.north', DEMO_PASSWORD);
    expect((await api(tokens.access_token)).status).toBe(200);
    expect((await postForm(base, '/oidc/revoke', { client_id: DESK_CLIENT, token: tokens.access_token })).status).toBe(200);
    for (const path of ['/v1/probe', '/oidc/userinfo']) {
      const r = await api(tokens.access_token, path);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/invalid_token/);
      expect(await r.json()).toMatchObject({ error: 'token_revoked' });
    }
    // Unknown and malformed tokens are "revoked" too, as RFC 7009 asks: nothing to tell an attacker.
    expect((await postForm(base, '/oidc/revoke', { client_id: DESK_CLIENT, token: 'no-such-token' })).status).toBe(200);
  });

  it('will not revoke a token for a client it was not issued to', async () => {
    const tokens = await obtainTokens(base, receiver, 'clinician2.north', DEMO_PASSWORD);
    await server.deps.db.query("UPDATE refresh_token SET client_id = 'another-client' WHERE user_id = 'clinician2.north'");
    expect((await postForm(base, '/oidc/revoke', { client_id: DESK_CLIENT, token: tokens.refresh_token })).status).toBe(400);
  });

  it('keeps its signing key in the database, so tokens outlive a restart', async () => {
    const tokens = await obtainTokens(base, receiver, 'admin.south', DEMO_PASSWORD);
    const keys = await loadSigningKeys(server.deps.db, keyEncryptionKeys(config));
    expect(decodeProtectedHeader(tokens.access_token).kid).toBe(keys.active.kid);
    const restarted = await createServerAuth(server.deps.db, config);
    try {
      expect(await restarted.verifyToken(tokens.access_token)).toMatchObject({ userId: 'admin.south', roles: ['admin'] });
    } finally {
      restarted.close();
    }
  });

  it('stores codes and refresh tokens only as hashes', async () => {
    const tokens = await obtainTokens(base, receiver, 'clinician.south', DEMO_PASSWORD);
    const rows = await server.deps.db.query<{ token_hash: string }>('SELECT token_hash FROM refresh_token');
    expect(rows.some((r) => r.token_hash === tokens.refresh_token)).toBe(false);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).toBe(true);
  });
});
