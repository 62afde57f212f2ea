import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDirectoryRoutes } from '../../server/src/directory';
import { createTestServer, USERS, type TestServer } from '../support/server-fixtures';
import { openSeededDatabase, type OpenedDatabase } from '../support/server-databases';

/*
 * Security finding F2 (docs/security.md): server-side request forgery and unbounded download in the admin URL import.
 * Each test is the attack, made through the admin API as an admin would: the server must not
 * reach loopback (by address, by a name that resolves there, or through a redirect from an
 * allowed feed), must cut an oversized answer off while reading it (once, not once per retry),
 * and must not echo back what a non-feed answer said. Only 127.0.0.1 is ever connected to; the
 * private and metadata ranges are checked by the guard itself, without sending anything
 * (server/src/import/address-guard.test.ts).
 */

interface Target {
  server: Server;
  port: number;
  requests: string[];
  /** Bytes written before the importer hung up. */
  sent: number;
}

async function target(handler: (req: IncomingMessage, res: ServerResponse, t: Target) => void): Promise<Target> {
  const t: Target = { server: createServer((req, res) => {
    t.requests.push(req.url ?? '');
    handler(req, res, t);
  }), port: 0, requests: [], sent: 0 };
  await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
  t.port = (t.server.address() as AddressInfo).port;
  return t;
}

const SECRET = 'HUSH-7f3a';

describe('admin URL import: what the server may reach and read', () => {
  let opened: OpenedDatabase;
  let dataDir: string;
  const servers: TestServer[] = [];
  const targets: Target[] = [];

  /** The API as deployed with this allow-list (IMPORT_FETCH_ALLOW) and page limit. */
  async function api(allow: string, maxPageBytes = 1024 * 1024): Promise<TestServer> {
    const s = await createTestServer(opened.db, [createDirectoryRoutes({ fetch: { retries: 3, minRetryDelayMs: 1, maxRetryDelayMs: 5, timeoutMs: 5000 } })], {
      DATA_DIR: dataDir,
      IMPORT_FETCH_ALLOW: allow,
      IMPORT_MAX_PAGE_BYTES: String(maxPageBytes),
    });
    servers.push(s);
    return s;
  }

  /** Imports a URL as trust A's admin; the whole answer and the stored report, as text. */
  async function importUrl(s: TestServer, url: string, source: string): Promise<string> {
    const r = await s.app.inject({ method: 'POST', url: '/v1/admin/directory/imports?wait=true', headers: await s.auth(USERS.aAdmin), payload: { kind: 'url', source, url } });
    expect(r.statusCode, r.body).toBeLessThan(300);
    const id = (r.json() as { id: string }).id;
    const stored = await s.app.inject({ method: 'GET', url: `/v1/admin/directory/imports/${id}`, headers: await s.auth(USERS.aAdmin) });
    return `${r.body}\n${stored.body}`;
  }

  beforeAll(async () => {
    opened = await openSeededDatabase('postgres');
    dataDir = mkdtempSync(path.join(tmpdir(), 'security-import-'));
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    for (const t of targets.splice(0)) {
      t.server.closeAllConnections();
      await new Promise((resolve) => t.server.close(resolve));
    }
  });
  afterAll(async () => {
    await opened.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const internal = async () => {
    const t = await target((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ contents: [{ id: 'x', name: SECRET, status: 'active' }], total_pages: 1 })));
    targets.push(t);
    return t;
  };

  it('does not fetch a loopback address', async () => {
    const inside = await internal();
    const report = await importUrl(await api(''), `http://127.0.0.1:${inside.port}/api`, 'loop');
    expect(inside.requests).toEqual([]);
    expect(report).toMatch(/127\.0\.0\.1 is a loopback address \(this machine\), which imports may not reach/);
    expect(report).not.toContain(SECRET);
  });

  it('does not fetch a host name that resolves to loopback (checked after DNS resolution)', async () => {
    const inside = await internal();
    const report = await importUrl(await api(''), `http://localhost:${inside.port}/api`, 'dns');
    expect(inside.requests).toEqual([]);
    expect(report).toMatch(/localhost is at (127\.0\.0\.1|::1), a loopback address/);
  });

  it('does not fetch loopback written as IPv4 inside IPv6, or in decimal', async () => {
    const inside = await internal();
    const s = await api('');
    await importUrl(s, `http://[::ffff:127.0.0.1]:${inside.port}/api`, 'mapped');
    await importUrl(s, `http://2130706433:${inside.port}/api`, 'decimal');
    expect(inside.requests).toEqual([]);
  });

  it('does not follow a redirect from an allowed feed to a loopback service it does not name', async () => {
    const inside = await internal();
    const feed = await target((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${inside.port}/latest/meta-data` }).end());
    targets.push(feed);
    // The operator allowed the feed's own address and port, nothing else.
    const report = await importUrl(await api(`127.0.0.1:${feed.port}`), `http://127.0.0.1:${feed.port}/api`, 'redirect');
    expect(feed.requests).toEqual(['/api/services?page=1']);
    expect(inside.requests).toEqual([]);
    expect(report).toMatch(/which imports may not reach; ask the server's operator to add it to IMPORT_FETCH_ALLOW/);
    expect(report).not.toContain(SECRET);
  });

  it('cuts an oversized answer off while reading it, and does not fetch it again', async () => {
    const huge = await target((_req, res, t) => {
      // 64 MB with no declared length, sent as fast as it is read.
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let left = 1024;
      const pump = () => {
        while (left > 0 && !res.destroyed) {
          left--;
          t.sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
    });
    targets.push(huge);
    await importUrl(await api(`127.0.0.1:${huge.port}`, 1024 * 1024), `http://127.0.0.1:${huge.port}/api`, 'huge');
    expect(huge.requests).toEqual(['/api/services?page=1']);
    // Read up to the 1 MiB limit, then hung up on: what was sent is the limit plus socket buffers.
    expect(huge.sent).toBeLessThan(16 * 1024 * 1024);
  });

  it('never echoes what an answer that is not a feed says', async () => {
    const talkative = await target((req, res) => {
      if (req.url === '/a/services?page=1') return res.writeHead(200, { 'content-type': 'text/html' }).end(`${SECRET} <html>root:x:0:0</html>`);
      // JSON that is not a feed: a dashboard of publishers naming internal addresses.
      return res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify([{ url: `http://intranet.example/${SECRET}`, isUp: true, lastCheck: SECRET, organisationLabel: SECRET }]));
    });
    targets.push(talkative);
    const s = await api(`127.0.0.1:${talkative.port}`);
    const html = await importUrl(s, `http://127.0.0.1:${talkative.port}/a`, 'echo-html');
    const dashboard = await importUrl(s, `http://127.0.0.1:${talkative.port}/b`, 'echo-json');
    expect(talkative.requests).toEqual(['/a/services?page=1', '/b/services?page=1']);
    for (const report of [html, dashboard]) expect(report).not.toContain(SECRET);
    // Described instead.
    expect(html).toMatch(/not a JSON document \(it is text\/html\)/);
    expect(dashboard).toMatch(/dashboard of publishers/);
  });
});
