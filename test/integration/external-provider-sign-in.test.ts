/*
 * A desk signing in where the trust's server trusts an external identity provider (NHS CIS2 or the
 * trust's own; here oidc-provider, a certified OpenID provider, on 127.0.0.1). The desk is
 * configured with the server's address only: it asks the server where to sign in
 * (GET /v1/sign-in/provider), signs in there through the browser host, and the server accepts the
 * provider's tokens for sync, so a call record arrives under the external user's name.
 */
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { ServerUnreachable } from '../../electron/core/sync/sync-http';
import type { BrowserHost } from '../../electron/host/browser-host';
import type { OidcSession } from '../../electron/host/oidc-session';
import { IdpRefused, SignInProviderUnknown, signInProviderOf } from '../../electron/node/oidc-client';
import { loadConfig } from '../../server/src/config';
import { openPglite, type Db } from '../../server/src/db/db';
import { startServer, type RunningServer } from '../../server/src/runtime/start-server';
import type { CallSummary } from '../../shared/domain/call-record';
import { waitFor } from '../support/desk-harness';
import { EXTERNAL_AUDIENCE, providerFormOf, startExternalProvider, type ExternalProvider } from '../support/external-provider';
import { freePort } from '../support/free-port';
import { startSigningDesk } from '../support/signing-desk';

describe('a desk signing in at the external provider its server names', () => {
  let db: Db;
  let server: RunningServer;
  let serverUrl: string;
  let idp: ExternalProvider;
  let dir: string;
  let core: Core;
  let host: BrowserHost;
  let session: OidcSession;
  let clock = Date.now();

  const hostGet = (p: string) => fetch(`http://127.0.0.1:${host.port}${p}`, { redirect: 'manual' });

  /** The clinician's browser: the screen's one-time link, the provider's pages, and back to the host. */
  async function signInAs(login: string): Promise<{ authorize: URL; done: Response }> {
    const link = ((await core.handle('auth.signIn', {})) as { ok: true; value: { openUrl: string } }).value.openUrl;
    const start = await hostGet(link);
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    // The browser, with its cookies per path, through the provider's login and consent pages.
    const cookies = new Map<string, string>();
    const send = async (url: string, form?: Record<string, string>) => {
      const r = await fetch(url, {
        method: form ? 'POST' : 'GET',
        headers: { accept: 'text/html', cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
        ...(form ? { body: new URLSearchParams(form) } : {}),
        redirect: 'manual',
      });
      for (const line of r.headers.getSetCookie()) {
        const pair = line.split(';')[0]!;
        cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
      }
      return r;
    };
    let url = authorize.toString();
    let form: Record<string, string> | undefined;
    for (let hop = 0; hop < 20; hop++) {
      const r = await send(url, form);
      form = undefined;
      const location = r.headers.get('location');
      if (location) {
        const next = new URL(location, url);
        // Back at the desk: the host takes the code from here.
        if (next.origin === `http://127.0.0.1:${host.port}`) return { authorize, done: await hostGet(next.pathname + next.search) };
        url = next.toString();
        continue;
      }
      const page = providerFormOf(await r.text(), url, login);
      if (!page) throw new Error(`The provider showed a page with no form at ${url} (${r.status})`);
      ({ url, form } = page);
    }
    throw new Error('The sign-in did not come back to the desk');
  }

  beforeAll(async () => {
    idp = await startExternalProvider({
      accounts: { 'ext-clinician': { name: 'External Clinician', trust_id: 'demo-south', team_id: 'demo-south-day', roles: ['clinician'] } },
      accessTokenSeconds: 120,
    });
    const port = await freePort();
    serverUrl = `http://127.0.0.1:${port}`;
    dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-external-signin-'));
    db = await openPglite(path.join(dir, 'pg'));
    const config = loadConfig({ PORT: String(port), PUBLIC_URL: serverUrl, DEMO: '1', LOG_LEVEL: 'silent', DATA_DIR: path.join(dir, 'server'), OIDC_ISSUER: idp.issuer, OIDC_AUDIENCE: EXTERNAL_AUDIENCE, OIDC_ASK_CONSENT: '1' });
    server = await startServer(config, { log: pino({ level: 'silent' }), db, graceMs: 1000 });

    ({ session, core, host } = await startSigningDesk(dir, serverUrl, () => clock));
  });

  afterAll(async () => {
    await host?.close();
    core?.close();
    await server?.stop();
    await idp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is told by its server where to sign in: the external issuer, its client id there, and to ask for consent', async () => {
    expect(await signInProviderOf(serverUrl)).toEqual({ issuer: idp.issuer, clientId: 'crisis-desk', askConsent: true });
  });

  it('signs in at the provider through the host and sends a call record under the external user’s name', async () => {
    const draft = (await core.handle('calls.create', {})) as { ok: true; value: { id: string } };
    const { authorize, done } = await signInAs('ext-clinician');
    expect(authorize.origin).toBe(idp.issuer);
    expect(authorize.searchParams.get('client_id')).toBe('crisis-desk');
    // A shared desk always asks who signs in; this provider gives a refresh token only with consent.
    expect(authorize.searchParams.get('prompt')).toBe('login consent');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(done.status).toBe(200);
    await waitFor('signed in', () => core.sync!.status().signedIn && core.sync!.status().paused === null);
    expect(session.current().user).toEqual({ userId: 'ext-clinician', displayName: 'External Clinician', trustId: 'demo-south', teamId: 'demo-south-day', roles: ['clinician'] });

    const list = (await core.handle('calls.list', {})) as { ok: true; value: CallSummary[] };
    expect(list.value.map((r) => r.id)).toContain(draft.value.id);
    await core.handle('sync.claim', { recordIds: [draft.value.id] });
    await waitFor('synced', () => core.sync!.status().waiting === 0);
    expect(await db.query('SELECT id, clinician_id FROM call_record')).toEqual([{ id: draft.value.id, clinician_id: 'ext-clinician' }]);
  });

  it('renews its access token at the provider with the refresh token, and keeps the session while the provider is out of reach', async () => {
    const before = await session.accessToken();
    clock += 10 * 60_000;
    const after = await session.accessToken();
    expect(after).toEqual(expect.any(String));
    expect(after).not.toBe(before);
    expect(idp.hits.filter((h) => h === 'POST /token').length).toBeGreaterThanOrEqual(2);

    await idp.stop();
    try {
      clock += 10 * 60_000;
      await expect(session.accessToken()).rejects.toBeInstanceOf(ServerUnreachable);
      expect(session.current().user?.userId).toBe('ext-clinician');
    } finally {
      await idp.start();
    }
    expect(await session.accessToken()).toEqual(expect.any(String));
    clock = Date.now();
  });
});

describe('where a desk signs in, asked of its server', () => {
  /** A server that answers GET /v1/sign-in/provider with `status` and `body`. */
  async function answering(status: number, body: unknown): Promise<{ url: string; close(): void }> {
    const s = createServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(s.address() as { port: number }).port}`, close: () => s.close() };
  }

  it('takes a server from before the question (404) as running the built-in provider at its own address', async () => {
    const old = await answering(404, { error: 'not_found' });
    expect(await signInProviderOf(`${old.url}/`)).toEqual({ issuer: old.url, clientId: 'crisis-desk', askConsent: false });
    old.close();
  });

  it('refuses an issuer over plain HTTP away from this machine and the server, and says what IT must change', async () => {
    const s = await answering(200, { issuer: 'http://idp.example.nhs.uk', clientId: 'crisis-desk', askConsent: false });
    await expect(signInProviderOf(s.url)).rejects.toThrow(IdpRefused);
    await expect(signInProviderOf(s.url)).rejects.toThrow(/OIDC_ISSUER must be an https address/);
    s.close();
    const https = await answering(200, { issuer: 'https://idp.example.nhs.uk', clientId: 'crisis-desk', askConsent: false });
    expect((await signInProviderOf(https.url)).issuer).toBe('https://idp.example.nhs.uk');
    https.close();
  });

  it('treats a malformed answer, an error or no answer as not knowing yet (the desk tries again), never as a refusal', async () => {
    for (const [status, body] of [
      [200, { issuer: 'not a url', clientId: 'x', askConsent: false }],
      [200, { issuer: 'https://idp.example.nhs.uk' }],
      [500, { error: 'internal' }],
    ] as const) {
      const s = await answering(status, body);
      await expect(signInProviderOf(s.url)).rejects.toBeInstanceOf(SignInProviderUnknown);
      s.close();
    }
    const gone = await answering(200, {});
    gone.close();
    await new Promise((r) => setTimeout(r, 50));
    await expect(signInProviderOf(gone.url)).rejects.toBeInstanceOf(SignInProviderUnknown);
  });
});
