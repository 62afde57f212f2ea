/*
 * The compressed directory snapshot between the real server and a desk over HTTP on loopback:
 * what a trust's network does to a download (cut mid-way, ended early, a byte changed) and a desk
 * that knows nothing of compression. Each desk must end with exactly the published directory, and
 * never install bytes that are not what the manifest names.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishAndDistribute } from '../../server/src/directory/publisher';
import { routeModules } from '../../server/src/routes';
import { DirectoryManifest } from '../../shared/sync/protocol';
import { generateDirectory, loadEnglandSectors } from '../../scripts/synthetic/generate-directory';
import { bodyUpTo, bodyWithByteFlipped } from '../support/cut-body';
import { GEO_DIR, TestDesk, TestTokens, waitFor } from '../support/desk-harness';
import { createTestServer, USERS, type TestServer } from '../support/server-fixtures';
import { openSeededDatabase, type OpenedDatabase } from '../support/server-databases';

type Body = (body: ReadableStream<Uint8Array>, n: number) => ReadableStream<Uint8Array>;

/** The body as far as byte `cut`, then `end`. */
const upTo =
  (cut: number, end: 'error' | 'clean'): Body =>
  (body) =>
    bodyUpTo(body, cut, end);

/** The body with one byte at `at` (counted from the first byte sent) changed. */
const flipped =
  (at: number): Body =>
  (body) =>
    bodyWithByteFlipped(body, at);

describe('the compressed directory snapshot over HTTP', () => {
  let opened: OpenedDatabase;
  let server: TestServer;
  let serverDir: string;
  let base: string;
  let manifest: DirectoryManifest;
  const desks: TestDesk[] = [];
  const services = generateDirectory({ seed: 11, count: 1500, sectors: loadEnglandSectors(GEO_DIR) });

  interface Seen {
    url: string;
    range: string | null;
    ifRange: string | null;
    status: number;
  }

  /** A network that does `alter` to the n-th snapshot download's body (n from 0), and records every snapshot request. */
  function network(alter: (n: number) => Body | null, options: { hideCompression?: boolean } = {}) {
    const seen: Seen[] = [];
    const through: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      const res = await fetch(input, init);
      if (options.hideCompression && url.includes('/v1/directory/manifest') && res.ok) {
        const { compressed: _hidden, ...older } = (await res.json()) as DirectoryManifest;
        return new Response(JSON.stringify(older), { status: 200, headers: { 'content-type': 'application/json' } });
      }
      if (!url.includes('/v1/directory/snapshots/')) return res;
      const headers = new Headers(init?.headers);
      seen.push({ url: new URL(url).pathname, range: headers.get('range'), ifRange: headers.get('if-range'), status: res.status });
      const change = alter(seen.length - 1);
      return change ? new Response(change(res.body!, seen.length - 1), { status: res.status, headers: res.headers }) : res;
    };
    return { seen, fetch: through };
  }

  function newDesk(net: { fetch: typeof fetch }, logged: string[] = []) {
    const desk = new TestDesk({ serverUrl: base, tokens: new TestTokens(server.tokenFor, USERS.a1Clinician), timeoutMs: 5000, idleTimeoutMs: 5000, fetch: net.fetch }, { logError: (m) => logged.push(m) });
    desks.push(desk);
    return desk;
  }

  /** The desk holds exactly the published directory at the manifest's version. */
  async function holdsTheDirectory(desk: TestDesk) {
    await waitFor('the directory', () => desk.core.directory.info().syncedAt !== null && desk.core.directory.info().services === services.length, 30_000);
    expect(desk.core.directory.info().version).toBe(String(manifest.version));
    const ids = desk.core.directory.db.prepare('SELECT id FROM service ORDER BY id').pluck().all();
    expect(ids).toEqual(services.map((s) => s.id).sort());
  }

  beforeAll(async () => {
    opened = await openSeededDatabase('postgres');
    serverDir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-server-'));
    server = await createTestServer(opened.db, routeModules, { DATA_DIR: serverDir });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    await publishAndDistribute(server.deps, 'trust-a', services, { source: 'test', complete: true });
    const res = await fetch(`${base}/v1/directory/manifest`, { headers: { authorization: `Bearer ${await server.tokenFor(USERS.a1Clinician)}` } });
    manifest = DirectoryManifest.parse(await res.json());
  });

  afterAll(async () => {
    for (const d of desks) d.close();
    const closing = server.close();
    server.app.server.closeAllConnections();
    await closing;
    await opened.close();
    rmSync(serverDir, { recursive: true, force: true });
  });

  it('downloads the compressed copy, a fraction of the file it installs', async () => {
    const net = network(() => null);
    const desk = newDesk(net);
    await holdsTheDirectory(desk);
    expect(manifest.compressed!.bytes).toBeLessThan(manifest.bytes / 2);
    expect(net.seen).toEqual([{ url: manifest.compressed!.url, range: null, ifRange: null, status: 200 }]);
    expect(existsSync(path.join(desk.dir, 'directory.download.zst'))).toBe(false);
  });

  it('resumes a download cut mid-way in an earlier run, from the bytes on disk, after a restart', async () => {
    const cut = Math.floor(manifest.compressed!.bytes / 3);
    // First run: the connection drops after `cut` bytes, and every later try fails at once; then the network heals.
    let healed = false;
    const dropped = () => new ReadableStream<Uint8Array>({ start: (c) => c.error(new TypeError('fetch failed')) });
    const net = network((n) => (healed ? null : n === 0 ? upTo(cut, 'error') : dropped));
    const logged: string[] = [];
    const desk = newDesk(net, logged);
    await waitFor('the cut download', () => net.seen.length >= 2 && desk.status().connection !== 'online', 20_000);
    expect(desk.core.directory.info().services).toBe(0);
    // What arrived before the cut is on disk (up to `cut`: the last chunk may be lost with the connection).
    const kept = statSync(path.join(desk.dir, 'directory.download.zst')).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(cut);
    healed = true;
    const before = net.seen.length;
    desk.restart();
    await holdsTheDirectory(desk);
    expect(net.seen[before]).toEqual({ url: manifest.compressed!.url, range: `bytes=${kept}-`, ifRange: `"${manifest.compressed!.sha256}"`, status: 206 });
    expect(net.seen).toHaveLength(before + 1);
    expect(logged.filter((m) => m.includes('rejected'))).toEqual([]);
  });

  it('resumes a download that ended early without an error, and installs only once the whole file is in', async () => {
    const half = Math.floor(manifest.compressed!.bytes / 2);
    const net = network((n) => (n === 0 ? upTo(half, 'clean') : null));
    const desk = newDesk(net);
    await holdsTheDirectory(desk);
    expect(net.seen).toEqual([
      { url: manifest.compressed!.url, range: null, ifRange: null, status: 200 },
      { url: manifest.compressed!.url, range: `bytes=${half}-`, ifRange: `"${manifest.compressed!.sha256}"`, status: 206 },
    ]);
  });

  it('refuses a compressed download with one byte changed, says why, and builds the directory from the changes feed instead', async () => {
    const net = network(() => flipped(Math.floor(manifest.compressed!.bytes / 2)));
    const logged: string[] = [];
    const desk = newDesk(net, logged);
    await holdsTheDirectory(desk);
    expect(logged).toContain(`directory sync: The downloaded directory (version ${manifest.version}) was rejected: the compressed download’s sha256 does not match the manifest.`);
    // Nothing of the refused download is left behind.
    for (const f of ['directory.download', 'directory.download.zst', 'directory.download.json']) expect(existsSync(path.join(desk.dir, f))).toBe(false);
  });

  it('serves a desk that does not read the compressed copy the SQLite file itself, resumable too', async () => {
    const cut = Math.floor(manifest.bytes / 2);
    const net = network((n) => (n === 0 ? upTo(cut, 'error') : null), { hideCompression: true });
    const desk = newDesk(net);
    await holdsTheDirectory(desk);
    expect(net.seen).toEqual([
      { url: manifest.url, range: null, ifRange: null, status: 200 },
      { url: manifest.url, range: `bytes=${cut}-`, ifRange: `"${manifest.sha256}"`, status: 206 },
    ]);
  });
});
