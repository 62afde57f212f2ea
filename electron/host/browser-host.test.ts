import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Core } from '../core/core';
import { startBrowserHost, type BrowserHost } from './browser-host';
import { resolveInside } from './static-files';

const GEO_DIR = path.resolve(import.meta.dirname, '../../data/geo');

function get(port: number, urlPath: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: urlPath, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function openSocket(port: number, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/contract`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
  });
}

describe('browser host', () => {
  let dir: string;
  let core: Core;
  let host: BrowserHost;
  let cookie: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-host-'));
    const rendererDir = path.join(dir, 'renderer');
    mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Crisis Desk</title><script src="/assets/app.js"></script>');
    writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'outside.txt'), 'secret outside the renderer');
    core = Core.open({ dataDir: path.join(dir, 'data'), geoDir: GEO_DIR, deskKey: randomBytes(32) });
    host = await startBrowserHost({ core, rendererDir });
    const first = await get(host.port, `/?k=${host.secret}`);
    cookie = String(first.headers['set-cookie']).split(';')[0]!;
  });

  afterAll(async () => {
    await host.close();
    core.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on loopback only and prints a URL carrying the secret', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?k=[\w-]{40,}$/);
  });

  it('refuses a request without the secret, or with a wrong one', async () => {
    expect((await get(host.port, '/')).status).toBe(403);
    expect((await get(host.port, '/assets/app.js')).status).toBe(403);
    expect((await get(host.port, '/?k=wrong')).status).toBe(403);
    expect((await get(host.port, '/', { cookie: 'crisis_desk_session=wrong' })).status).toBe(403);
  });

  it('moves the secret from the URL into an HttpOnly, SameSite=Strict cookie, then serves the app with a strict CSP', async () => {
    const first = await get(host.port, `/?k=${host.secret}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    const page = await get(host.port, '/', { cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Crisis Desk</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect((await get(host.port, '/assets/app.js', { cookie })).status).toBe(200);
  });

  it('refuses another Host (DNS rebinding) and a foreign Origin, even with the secret', async () => {
    expect((await get(host.port, '/', { cookie, host: `evil.example:${host.port}` })).status).toBe(421);
    expect((await get(host.port, '/', { cookie, origin: 'http://evil.example' }, 'POST')).status).toBe(403);
  });

  it('never serves files outside the renderer', async () => {
    for (const p of ['/../outside.txt', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt']) {
      const r = await get(host.port, p, { cookie });
      expect(r.body).not.toContain('secret outside');
    }
    expect(resolveInside('/srv/app', '/../etc/passwd')).toBe('/srv/app/etc/passwd');
    expect(resolveInside('/srv/app', '/%00')).toBeNull();
  });

  it('serves the contract over a WebSocket only from its own origin with the secret', async () => {
    const origin = `http://127.0.0.1:${host.port}`;
    await expect(openSocket(host.port, { cookie })).rejects.toThrow(/refused 403/);
    await expect(openSocket(host.port, { cookie, origin: 'http://evil.example' })).rejects.toThrow(/refused 403/);
    await expect(openSocket(host.port, { origin })).rejects.toThrow(/refused 403/);
    const ws = await openSocket(host.port, { cookie, origin });
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

describe('browser host restarted with its kept address', () => {
  it('comes back on the same port with the same secret: a tab’s cookie from before still opens the contract', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-host-restart-'));
    const rendererDir = path.join(dir, 'renderer');
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Crisis Desk</title>');
    const core = Core.open({ dataDir: path.join(dir, 'data'), geoDir: GEO_DIR, deskKey: randomBytes(32) });
    try {
      const first = await startBrowserHost({ core, rendererDir });
      const cookie = String((await get(first.port, `/?k=${first.secret}`)).headers['set-cookie']).split(';')[0]!;
      const { port, secret } = first;
      await first.close();

      const again = await startBrowserHost({ core, rendererDir, port, secret });
      expect(again.url).toBe(first.url);
      const ws = await openSocket(port, { cookie, origin: `http://127.0.0.1:${port}` });
      ws.close();

      // The port taken meanwhile by another program: refused, unless the host may move.
      await expect(startBrowserHost({ core, rendererDir, port, secret })).rejects.toThrow(/EADDRINUSE/);
      const moved = await startBrowserHost({ core, rendererDir, port, secret, anyPortIfTaken: true });
      expect(moved.port).not.toBe(port);
      expect(moved.secret).toBe(secret);
      await moved.close();
      await again.close();
    } finally {
      core.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
