/*
 * Signing in on the browser host against the server's identity provider, as a clinician does:
 * the screen asks the core to sign in and opens the one-time /auth/start link it is given, the
 * host sends the browser to the sign-in page, the provider redirects back to the host on 127.0.0.1
 * with a code, the host exchanges it (PKCE, bound by state), and the desk starts syncing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { ServerUnreachable } from '../../electron/core/sync/sync-http';
import type { BrowserHost } from '../../electron/host/browser-host';
import type { OidcSession } from '../../electron/host/oidc-session';
import { loadConfig } from '../../server/src/config';
import { openPglite, type Db } from '../../server/src/db/db';
import { DEMO_PASSWORD } from '../../server/src/demo/seed-users';
import { startServer, type RunningServer } from '../../server/src/runtime/start-server';
import type { CallSummary } from '../../shared/domain/call-record';
import { waitFor } from '../support/desk-harness';
import { freePort } from '../support/free-port';
import { startSigningDesk } from '../support/signing-desk';
import { hiddenFields } from '../support/oidc-client';

describe('signing in on the browser host', () => {
  let db: Db;
  let server: RunningServer;
  let serverUrl: string;
  let dir: string;
  let core: Core;
  let host: BrowserHost;
  let session: OidcSession;
  let clock = Date.now();

  const hostGet = (p: string) => fetch(`http://127.0.0.1:${host.port}${p}`, { redirect: 'manual' });
  /** The link the screen opens: asked of the core over the tab's contract. */
  const signInLink = async () => ((await core.handle('auth.signIn', {})) as { ok: true; value: { openUrl: string } }).value.openUrl;

  async function signInAs(username: string, password: string): Promise<Response> {
    const start = await hostGet(await signInLink());
    expect(start.status).toBe(302);
    const authorize = start.headers.get('location')!;
    expect(authorize.startsWith(`${serverUrl}/oidc/authorize?`)).toBe(true);
    expect(new URL(authorize).searchParams.get('code_challenge_method')).toBe('S256');
    // A desk is shared: the provider is always asked to sign the person in, never to reuse a session.
    expect(new URL(authorize).searchParams.get('prompt')).toBe('login');
    const page = await fetch(authorize, { headers: { accept: 'text/html' } });
    const form = new URLSearchParams({ ...hiddenFields(await page.text()), username, password });
    const posted = await fetch(new URL('authorize', authorize), { method: 'POST', headers: { accept: 'text/html' }, body: form, redirect: 'manual' });
    const back = posted.headers.get('location');
    if (!back) return posted;
    expect(back.startsWith(`http://127.0.0.1:${host.port}/auth/callback?`)).toBe(true);
    return hostGet(new URL(back).pathname + new URL(back).search);
  }

  beforeAll(async () => {
    const port = await freePort();
    serverUrl = `http://127.0.0.1:${port}`;
    dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-signin-'));
    // On disk, so the server can stop and start again on it (an outage of the provider).
    db = await openPglite(path.join(dir, 'pg'));
    const config = loadConfig({ PORT: String(port), PUBLIC_URL: serverUrl, DEMO: '1', LOG_LEVEL: 'silent', DATA_DIR: path.join(dir, 'server') });
    server = await startServer(config, { log: pino({ level: 'silent' }), db, graceMs: 1000 });

    ({ session, core, host } = await startSigningDesk(dir, serverUrl, () => clock));
  });

  afterAll(async () => {
    await host.close();
    core.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts signed out: sync waits for a sign-in and the desk keeps working', async () => {
    await waitFor('the sign-in pause', () => core.sync!.status().paused?.reason === 'sign_in');
    const draft = await core.handle('calls.create', {});
    expect(draft.ok).toBe(true);
    const r = await core.handle('auth.signIn', {});
    expect(r).toMatchObject({ ok: true, value: { openUrl: expect.stringMatching(/^\/auth\/start\?ticket=[\w-]{32}$/) } });
  });

  it('starts a sign-in only for the one-time link the screen was given, once', async () => {
    for (const p of ['/auth/start', '/auth/start?ticket=', '/auth/start?ticket=made-up']) {
      const r = await hostGet(p);
      expect(r.status).toBe(403);
      expect(await r.text()).toMatch(/used already or is out of date/);
    }
    const link = await signInLink();
    expect((await hostGet(link)).status).toBe(302);
    expect((await hostGet(link)).status).toBe(403);
    // Out of date after five minutes.
    const late = await signInLink();
    clock += 5 * 60_000 + 1;
    expect((await hostGet(late)).status).toBe(403);
    clock = Date.now();
  });

  it('refuses a wrong password and a callback it did not start', async () => {
    const wrong = await signInAs('clinician.south', 'not-the-password');
    expect(wrong.status).toBe(401);
    const forged = await hostGet('/auth/callback?code=abc&state=never-issued');
    expect(forged.status).toBe(400);
    expect(session.signedIn).toBe(false);
  });

  it('signs in through the provider, knows who signed in from the token, and sends what was written while signed out only once it is claimed', async () => {
    const done = await signInAs('clinician.south', DEMO_PASSWORD);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Signed in');
    await waitFor('signed in', () => core.sync!.status().signedIn && core.sync!.status().paused === null);
    // Who signed in, with their roles and team, from the access token the server issued.
    expect(session.current()).toEqual({
      user: { userId: 'clinician.south', displayName: 'Demo Clinician (Southvale day)', trustId: 'demo-south', teamId: 'demo-south-day', roles: ['clinician'] },
      kept: [],
    });
    expect(core.sync!.status().session).toEqual({ user: session.current().user, state: 'signed_in' });
    // The draft written while nobody was signed in is nobody's: signing in did not make it theirs.
    const list = (await core.handle('calls.list', {})) as { ok: true; value: CallSummary[] };
    expect(core.sync!.status().queues).toEqual([{ author: null, waiting: 1, state: 'unclaimed', reason: null }]);
    expect(await db.query('SELECT id FROM call_record')).toEqual([]);
    const claimed = await core.handle('sync.claim', { recordIds: list.value.map((r) => r.id) });
    expect(claimed).toMatchObject({ ok: true, value: { claimed: 1 } });
    await waitFor('synced', () => core.sync!.status().waiting === 0);
    const onServer = await db.query<{ id: string; clinician_id: string }>('SELECT id, clinician_id FROM call_record');
    expect(onServer).toEqual(list.value.map((r) => ({ id: r.id, clinician_id: 'clinician.south' })));
  });

  it('keeps the first person’s session after someone else signs in, only until their changes are sent, then revokes it', async () => {
    const draft = (await core.handle('calls.create', {})) as { ok: true; value: { id: string } };
    expect(draft.ok).toBe(true);
    const done = await signInAs('lead.south', DEMO_PASSWORD);
    expect(done.status).toBe(200);
    await waitFor('the lead signed in and everything sent', () => core.sync!.status().session.user?.userId === 'lead.south' && core.sync!.status().waiting === 0);
    expect(session.current().user).toMatchObject({ userId: 'lead.south', roles: ['clinician', 'team_lead'] });
    expect((await db.query<{ clinician_id: string }>('SELECT clinician_id FROM call_record WHERE id = $1', [draft.value.id]))[0]).toEqual({ clinician_id: 'clinician.south' });
    // Nothing of the clinician's waits: their kept session has been given back and revoked.
    await waitFor('the kept session released', () => session.current().kept.length === 0);
    await waitFor('its refresh token revoked', async () =>
      (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM refresh_token WHERE user_id = 'clinician.south' AND revoked_at IS NULL AND rotated_at IS NULL"))[0]!.n === 0,
    );
  });

  it('refreshes an expired access token with the rotating refresh token', async () => {
    const before = await session.accessToken();
    clock += 60 * 60 * 1000;
    const after = await session.accessToken();
    expect(after).not.toBeNull();
    expect(after).not.toBe(before);
    clock = Date.now();
  });

  it('keeps the session through an outage longer than an access token lives, and renews it when the provider is back', async () => {
    const port = new URL(serverUrl).port;
    await server.stop();
    // Past the life of the token the last test renewed an hour ahead.
    clock = Date.now() + 3 * 60 * 60 * 1000;
    // The provider cannot be reached: the session holds, and sync waits as it does offline.
    await expect(session.accessToken()).rejects.toBeInstanceOf(ServerUnreachable);
    expect(session.signedIn).toBe(true);
    expect(session.current().user?.userId).toBe('lead.south');
    await waitFor('offline, not signed out', () => core.sync!.status().session.state === 'signed_in');
    db = await openPglite(path.join(dir, 'pg'));
    server = await startServer(loadConfig({ PORT: port, PUBLIC_URL: serverUrl, DEMO: '1', LOG_LEVEL: 'silent', DATA_DIR: path.join(dir, 'server') }), { log: pino({ level: 'silent' }), db, graceMs: 1000 });
    expect(await session.accessToken()).toEqual(expect.any(String));
    clock = Date.now();
  });

  it('signs out: the refresh token is revoked and sync pauses', async () => {
    await core.handle('auth.signOut', {});
    await waitFor('the sign-in pause', () => core.sync!.status().paused?.reason === 'sign_in' || !core.sync!.status().signedIn);
    expect(session.signedIn).toBe(false);
    expect(await session.accessToken()).toBeNull();
  });
});
