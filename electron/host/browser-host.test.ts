import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Core } from '../core/core';
import { startBrowserHost, type BrowserHost } from './browser-host';
import { SESSION_HEADER, SESSION_PROTOCOL_PREFIX } from './request-guard';
import { resolveInside } from '../node/resolve-inside';

const GEO_DIR = path.resolve(import.meta.dirname, '../../data/geo');

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

function send(port: number, urlPath: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: urlPath, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** What the screen does with the code in its address: POST /session from its own origin. */
async function exchange(port: number, code: string, headers: Record<string, string> = { origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' }) {
  return send(port, '/session', { 'content-type': 'application/json', ...headers }, 'POST', JSON.stringify({ code }));
}
const codeOf = (url: string) => new URL(url).searchParams.get('code')!;

function openSocket(port: number, headers: Record<string, string>, protocols: string[] = []): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/contract`, protocols, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
  });
}
const tabProtocols = (session: string) => ['crisis-desk', `${SESSION_PROTOCOL_PREFIX}${session}`];

describe('browser host', () => {
  let dir: string;
  let core: Core;
  let host: BrowserHost;
  let session: string;
  let origin: string;
  const routed: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-host-'));
    const rendererDir = path.join(dir, 'renderer');
    mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Crisis Desk</title><script src="/assets/app.js"></script>');
    writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'outside.txt'), 'secret outside the renderer');
    core = Core.open({ dataDir: path.join(dir, 'data'), geoDir: GEO_DIR, deskKey: randomBytes(32) });
    host = await startBrowserHost({
      core,
      rendererDir,
      signInRoutes: (_req, res, url) => {
        routed.push(`sign-in ${url.pathname}`);
        res.end('sign-in');
        return true;
      },
      extraRoutes: (_req, res, url) => {
        if (url.pathname !== '/export/x') return false;
        routed.push(`extra ${url.pathname}`);
        res.end('export');
        return true;
      },
      downloadRoutes: (_req, res, url) => {
        routed.push(`download ${url.pathname}`);
        res.end('file');
        return true;
      },
    });
    origin = `http://127.0.0.1:${host.port}`;
    const r = await exchange(host.port, codeOf(host.url));
    session = (JSON.parse(r.body) as { session: string }).session;
  });

  afterAll(async () => {
    await host.close();
    core.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on loopback only and prints an address with a one-time code, never the secret', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?code=[\w.-]+$/);
    expect(host.url).not.toContain(host.secret);
    expect(host.newAddress()).not.toBe(host.url);
  });

  it('trades a code for a tab session once, only from its own origin; sets no cookie', async () => {
    const code = codeOf(host.newAddress());
    expect((await exchange(host.port, code, {})).status).toBe(403); // no Origin: not a page of this host
    expect((await exchange(host.port, code, { origin: 'http://127.0.0.1:1' })).status).toBe(403); // another port
    expect((await exchange(host.port, code, { origin, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    const first = await exchange(host.port, code);
    expect(first.status).toBe(200);
    expect(first.headers['set-cookie']).toBeUndefined();
    expect(JSON.parse(first.body).session).toMatch(/^[\w-]{22}\.[\w-]{43}$/);
    const again = await exchange(host.port, code);
    expect(again.status).toBe(403);
    expect(JSON.parse(again.body)).toMatchObject({ error: 'code_refused', message: expect.stringMatching(/used already.*\.\/desk open/) });
    for (const bad of ['', 'garbage', host.secret, `${code}x`]) expect((await exchange(host.port, bad)).status).toBe(403);
    expect((await send(host.port, '/session', { origin, 'content-type': 'application/json' }, 'POST', 'x'.repeat(5000))).status).toBe(400);
  });

  it('serves the screen’s files, which hold no data, to tabs of this origin, with a strict CSP', async () => {
    const page = await send(host.port, '/', { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Crisis Desk</title>');
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect((await send(host.port, '/assets/app.js', { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' })).status).toBe(200);
    // The address opened from a terminal or a file (another "site"): the page, no more.
    expect((await send(host.port, '/?code=x', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' })).status).toBe(200);
  });

  it('refuses another Host (DNS rebinding) and anything another origin’s page asks for, even with the session', async () => {
    expect((await send(host.port, '/', { host: `evil.example:${host.port}` })).status).toBe(421);
    expect((await send(host.port, '/', { origin: 'http://evil.example' }, 'POST')).status).toBe(403);
    // A page on another port of 127.0.0.1 is "same-site" to the browser: not ours.
    for (const p of ['/assets/app.js', '/session', '/export/x']) {
      expect((await send(host.port, p, { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image', [SESSION_HEADER]: session })).status).toBe(403);
    }
    expect((await send(host.port, '/export/x', { origin: 'http://127.0.0.1:1', [SESSION_HEADER]: session })).status).toBe(403);
  });

  it('runs the extra routes only for a tab session; the sign-in routes for top-level navigations from anywhere', async () => {
    routed.length = 0;
    expect((await send(host.port, '/export/x', { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' })).status).toBe(200); // the app shell, not the route
    expect(routed).toEqual([]);
    expect((await send(host.port, '/export/x', { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', [SESSION_HEADER]: 'wrong.session' })).body).not.toBe('export');
    expect((await send(host.port, '/export/x', { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', [SESSION_HEADER]: session })).body).toBe('export');
    expect((await send(host.port, '/auth/callback?state=s', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' })).body).toBe('sign-in');
    // …but not as a subresource of another origin's page (a no-cors GET).
    expect((await send(host.port, '/auth/start', { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' })).status).toBe(403);
    expect(routed).toEqual(['extra /export/x', 'sign-in /auth/callback']);
    expect((await send(host.port, '/session', { [SESSION_HEADER]: session })).status).toBe(200);
    expect((await send(host.port, '/session', { [SESSION_HEADER]: 'x' })).status).toBe(401);
  });

  it('runs the download routes for this origin without a session (the link binds itself), never for another site, not even a navigation', async () => {
    routed.length = 0;
    // The browser's own download of a link the screen clicked: same origin, no header.
    expect((await send(host.port, '/downloads/abc', { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' })).body).toBe('file');
    for (const site of ['cross-site', 'same-site']) {
      expect((await send(host.port, '/downloads/abc', { 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' })).status).toBe(403);
    }
    expect((await send(host.port, '/downloads/abc', { origin: 'http://127.0.0.1:1' })).status).toBe(403);
    expect(routed).toEqual(['download /downloads/abc']);
  });

  it('never serves files outside the renderer', async () => {
    // The same ways out the desktop app's protocol refuses (app-protocol.test.ts): one rule for both.
    for (const p of ['/../outside.txt', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt', '/assets/%252e%252e/%252e%252e/outside.txt', '/..%5coutside.txt', '/assets/..\\..\\outside.txt', '/C:/outside.txt']) {
      const r = await send(host.port, p);
      expect(r.body).not.toContain('secret outside');
    }
    // `..` is refused outright, no longer clamped to the folder (the host's old, weaker copy did that).
    expect(resolveInside('/srv/app', '/../etc/passwd')).toBeNull();
    expect(resolveInside('/srv/app', '/%00')).toBeNull();
  });

  it('serves the contract over a WebSocket only from its own origin (port included) with the tab’s session', async () => {
    await expect(openSocket(host.port, { origin })).rejects.toThrow(/refused 403/);
    await expect(openSocket(host.port, {}, tabProtocols(session))).rejects.toThrow(/refused 403/);
    await expect(openSocket(host.port, { origin: 'http://evil.example' }, tabProtocols(session))).rejects.toThrow(/refused 403/);
    await expect(openSocket(host.port, { origin: 'http://127.0.0.1:1' }, tabProtocols(session))).rejects.toThrow(/refused 403/);
    await expect(openSocket(host.port, { origin }, tabProtocols('AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))).rejects.toThrow(/refused 403/);
    await expect(openSocket(host.port, { origin, cookie: `crisis_desk_session=${host.secret}` })).rejects.toThrow(/refused 403/);
    const ws = await openSocket(host.port, { origin }, tabProtocols(session));
    expect(ws.protocol).toBe('crisis-desk');
    const answer = new Promise<{ kind: string; id: number; envelope: { ok: boolean; value?: { clientId: string } } }>((resolve) =>
      ws.on('message', (d) => resolve(JSON.parse(String(d)))),
    );
    ws.send(JSON.stringify({ kind: 'call', id: 7, method: 'system.info', params: {} }));
    const r = await answer;
    expect(r).toMatchObject({ kind: 'result', id: 7, envelope: { ok: true } });
    expect(r.envelope.value!.clientId).toBe(core.desk.clientId);
    ws.close();
  });
});

describe('browser host restarted with its kept port and secret', () => {
  it('comes back at the same origin: a tab’s session from before still opens the contract; codes of the earlier start do not', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-host-restart-'));
    const rendererDir = path.join(dir, 'renderer');
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Crisis Desk</title>');
    const core = Core.open({ dataDir: path.join(dir, 'data'), geoDir: GEO_DIR, deskKey: randomBytes(32) });
    try {
      const first = await startBrowserHost({ core, rendererDir, launch: 1 });
      const session = JSON.parse((await exchange(first.port, codeOf(first.url))).body).session as string;
      const unused = codeOf(first.newAddress());
      const { port, secret } = first;
      await first.close();

      const again = await startBrowserHost({ core, rendererDir, port, secret, launch: 2 });
      expect(again.origin).toBe(first.origin);
      const origin = `http://127.0.0.1:${port}`;
      const ws = await openSocket(port, { origin }, tabProtocols(session));
      ws.close();
      expect((await exchange(port, unused)).status).toBe(403);
      expect((await exchange(port, codeOf(again.url))).status).toBe(200);

      // The port taken meanwhile by another program: refused, unless the host may move; sessions do not follow it.
      await expect(startBrowserHost({ core, rendererDir, port, secret })).rejects.toThrow(/EADDRINUSE/);
      const moved = await startBrowserHost({ core, rendererDir, port, secret, anyPortIfTaken: true, launch: 3 });
      expect(moved.port).not.toBe(port);
      await expect(openSocket(moved.port, { origin: moved.origin }, tabProtocols(session))).rejects.toThrow(/refused 403/);
      await moved.close();
      await again.close();
    } finally {
      core.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
