import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, USERS, type TestServer, type TestUser } from '../../../test/support/server-fixtures';
import { DATABASE_KINDS, openSeededDatabase, type OpenedDatabase } from '../../../test/support/server-databases';
import { makeService } from '../../../test/support/services';
import { DIRECTORY_SCHEMA_VERSION } from '../../../shared/directory/schema';
import type { DirectoryService } from '../../../shared/domain/directory';
import { DirectoryChangeLine, DirectoryManifest, PROTOCOL_HEADER, PROTOCOL_VERSION } from '../../../shared/sync/protocol';
import type { Hint } from '../app';
import { directoryRoutes } from './index';
import { publishAndDistribute } from './publisher';
import { artefactCacheDir, sweepCache } from '../artefacts/serve';
import { findArtefact } from '../artefacts/store';
import { KEEP_SNAPSHOTS, pruneSnapshots } from './snapshots';

const svc = (id: string, name = `Service ${id}`) => makeService({ id, name, type: 'crisis_cafe' });
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.each(DATABASE_KINDS)('directory sync routes over real HTTP, on %s', (_name, kind) => {
  let opened: OpenedDatabase;
  let server: TestServer;
  let dataDir: string;
  let base: string;

  const get = async (user: TestUser | null, url: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${url}`, { headers: { ...(user ? await server.auth(user) : {}), ...headers } });
  const publish = (trustId: string, services: DirectoryService[], now?: Date) =>
    publishAndDistribute(server.deps, trustId, services, { source: 'feed', complete: true, ...(now ? { now } : {}) });
  const manifestOf = async (user: TestUser) => DirectoryManifest.parse(await (await get(user, '/v1/directory/manifest')).json());
  const readChanges = async (user: TestUser, query: string) => {
    const r = await get(user, `/v1/directory/changes${query}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await r.text()).trimEnd().split('\n').map((l) => DirectoryChangeLine.parse(JSON.parse(l)));
    const end = lines.pop()!;
    if (end.op !== 'end') throw new Error('no end line');
    return { changes: lines, end };
  };

  beforeAll(async () => {
    opened = await openSeededDatabase(kind);
    dataDir = mkdtempSync(path.join(tmpdir(), 'directory-routes-'));
    server = await createTestServer(opened.db, [directoryRoutes], { DATA_DIR: dataDir });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    // close() reaps only connections idle at that moment; a response still finishing would keep its connection for the keep-alive timeout.
    const closing = server.close();
    server.app.server.closeAllConnections();
    await closing;
    await opened.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 404 with a clear message while the trust has published nothing', async () => {
    const r = await get(USERS.b1Clinician, '/v1/directory/manifest');
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: 'not_published', message: expect.stringMatching(/has not published a directory yet/) });
    const feed = await readChanges(USERS.b1Clinician, '');
    expect(feed.changes).toEqual([]);
    expect(feed.end).toMatchObject({ version: 0, more: false });
  });

  it('needs a signed-in user for the manifest, snapshots and changes, and asks a desk speaking another protocol to update', async () => {
    for (const url of ['/v1/directory/manifest', `/v1/directory/snapshots/${'0'.repeat(64)}`, '/v1/directory/changes']) {
      expect((await get(null, url)).status).toBe(401);
      const r = await get(USERS.a1Clinician, url, { [PROTOCOL_HEADER]: String(PROTOCOL_VERSION + 1) });
      expect(r.status).toBe(426);
    }
  });

  it('publishes a snapshot whose sha256 and size are those of the bytes served, and hints the trust’s desks', async () => {
    const hints: Hint[] = [];
    const unsubscribe = server.deps.hints.subscribe('trust-a', (h) => hints.push(h));
    const result = await publish('trust-a', [svc('a'), svc('b'), svc('c')]);
    unsubscribe();
    expect(hints).toEqual([{ kind: 'directory', version: 1 }]);
    expect(result.snapshot).toMatchObject({ version: 1, services: 3 });

    const manifest = await manifestOf(USERS.a1Clinician);
    expect(manifest).toMatchObject({ version: 1, services: 3, schemaVersion: DIRECTORY_SCHEMA_VERSION, url: `/v1/directory/snapshots/${manifest.sha256}` });
    const r = await get(USERS.a1Clinician, manifest.url);
    expect(r.status).toBe(200);
    const bytes = new Uint8Array(await r.arrayBuffer());
    expect(bytes.length).toBe(manifest.bytes);
    expect(sha256(bytes)).toBe(manifest.sha256);
    expect(r.headers.get('etag')).toBe(`"${manifest.sha256}"`);
    expect(r.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(r.headers.get('content-length')).toBe(String(manifest.bytes));
    expect(r.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(bytes.subarray(0, 16)).toString('latin1')).toBe('SQLite format 3\0');
  });

  it('resumes a dropped download with Range, and revalidates with If-None-Match', async () => {
    const manifest = await manifestOf(USERS.a1Clinician);
    const cut = Math.floor(manifest.bytes / 3);
    const first = await get(USERS.a1Clinician, manifest.url, { range: `bytes=0-${cut - 1}` });
    expect(first.status).toBe(206);
    expect(first.headers.get('content-range')).toBe(`bytes 0-${cut - 1}/${manifest.bytes}`);
    const head = new Uint8Array(await first.arrayBuffer());
    expect(head.length).toBe(cut);
    const rest = await get(USERS.a1Clinician, manifest.url, { range: `bytes=${cut}-`, 'if-range': `"${manifest.sha256}"` });
    expect(rest.status).toBe(206);
    expect(rest.headers.get('content-length')).toBe(String(manifest.bytes - cut));
    const whole = Buffer.concat([head, new Uint8Array(await rest.arrayBuffer())]);
    expect(sha256(whole)).toBe(manifest.sha256);

    const stale = await get(USERS.a1Clinician, manifest.url, { range: `bytes=${cut}-`, 'if-range': '"something-else"' });
    expect(stale.status).toBe(200);
    expect((await stale.arrayBuffer()).byteLength).toBe(manifest.bytes);
    const past = await get(USERS.a1Clinician, manifest.url, { range: `bytes=${manifest.bytes}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${manifest.bytes}`);
    const cached = await get(USERS.a1Clinician, manifest.url, { 'if-none-match': `"${manifest.sha256}"` });
    expect(cached.status).toBe(304);
  });

  it('stores and serves the snapshot compressed (zstd), resumable, decoding to exactly the file the manifest names', async () => {
    const manifest = await manifestOf(USERS.a1Clinician);
    const c = manifest.compressed!;
    expect(c).toMatchObject({ encoding: 'zstd', url: `/v1/directory/snapshots/${c.sha256}` });
    expect(c.sha256).not.toBe(manifest.sha256);
    expect(c.bytes).toBeLessThan(manifest.bytes);
    const whole = await get(USERS.a1Clinician, c.url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('application/zstd');
    expect(whole.headers.get('etag')).toBe(`"${c.sha256}"`);
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(bytes.length).toBe(c.bytes);
    expect(sha256(bytes)).toBe(c.sha256);
    const decoded = zstdDecompressSync(bytes);
    expect(decoded.length).toBe(manifest.bytes);
    expect(sha256(decoded)).toBe(manifest.sha256);
    // Resumed from a cut: the rest of the compressed bytes, If-Range on their own hash.
    const cut = Math.floor(c.bytes / 2);
    const rest = await get(USERS.a1Clinician, c.url, { range: `bytes=${cut}-`, 'if-range': `"${c.sha256}"` });
    expect(rest.status).toBe(206);
    expect(rest.headers.get('content-range')).toBe(`bytes ${cut}-${c.bytes - 1}/${c.bytes}`);
    expect(Buffer.compare(Buffer.from(await rest.arrayBuffer()), bytes.subarray(cut))).toBe(0);
    // Only the compressed copy is stored: the SQLite file is served by decoding it.
    expect(await findArtefact(opened.db, c.sha256)).toMatchObject({ bytes: c.bytes });
    expect(await findArtefact(opened.db, manifest.sha256)).toBeNull();
  });

  it('answers 404 for an unknown hash and 400 for something that is not one', async () => {
    expect((await get(USERS.a1Clinician, `/v1/directory/snapshots/${'ab'.repeat(32)}`)).status).toBe(404);
    const bad = await get(USERS.a1Clinician, '/v1/directory/snapshots/..%2F..%2Fetc%2Fpasswd');
    expect(bad.status).toBe(400);
  });

  it('streams the changes after a snapshot’s cursor, then says quickly that nothing changed', async () => {
    const before = await manifestOf(USERS.a1Clinician);
    await publish('trust-a', [svc('a'), svc('b', 'Renamed b'), svc('d')]);
    const feed = await readChanges(USERS.a1Clinician, `?cursor=${before.cursor}`);
    expect(feed.changes.map((c) => (c.op === 'put' ? `put ${c.service.id}@${c.version}` : c.op === 'del' ? `del ${c.id}@${c.version}` : ''))).toEqual(['put b@2', 'del c@2', 'put d@2']);
    expect(feed.end).toMatchObject({ version: 2, more: false });
    const put = feed.changes[0]!;
    expect(put.op === 'put' && put.service).toEqual(JSON.parse(JSON.stringify(svc('b', 'Renamed b'))));

    const t = performance.now();
    const again = await readChanges(USERS.a1Clinician, `?cursor=${feed.end.cursor}`);
    const ms = performance.now() - t;
    expect(again.changes).toEqual([]);
    expect(again.end).toMatchObject({ version: 2, more: false, cursor: feed.end.cursor });
    expect(ms).toBeLessThan(250);
  });

  it('pages by limit: each end line continues exactly where the page stopped', async () => {
    const ids: string[] = [];
    let cursor = '';
    for (let pages = 0; ; pages++) {
      const page = await readChanges(USERS.a1Clinician, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      ids.push(...page.changes.map((c) => (c.op === 'put' ? c.service.id : c.op === 'del' ? `-${c.id}` : '')));
      cursor = page.end.cursor;
      if (!page.end.more) break;
      expect(page.changes).toHaveLength(2);
      expect(pages).toBeLessThan(5);
    }
    expect(ids).toEqual(['a', 'b', '-c', 'd']);
  });

  it('refuses a cursor that is not one with 400, and one from another trust with 410', async () => {
    const r = await get(USERS.a1Clinician, '/v1/directory/changes?cursor=not-a-cursor');
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: 'invalid_cursor' });
    expect((await get(USERS.a1Clinician, '/v1/directory/changes?limit=0')).status).toBe(400);
    const aCursor = (await manifestOf(USERS.a1Clinician)).cursor;
    const other = await get(USERS.b1Clinician, `/v1/directory/changes?cursor=${aCursor}`);
    expect(other.status).toBe(410);
    expect((await other.json()).message).toMatch(/another directory.*Download the directory again/);
  });

  it('keeps each trust’s directory to itself: manifest, snapshot (even by hash) and changes', async () => {
    await publish('trust-b', [svc('b-only')]);
    const a = await manifestOf(USERS.a1Clinician);
    const b = await manifestOf(USERS.b1Clinician);
    expect(b.sha256).not.toBe(a.sha256);
    expect(b.services).toBe(1);
    expect((await get(USERS.b1Clinician, a.url)).status).toBe(404);
    expect((await get(USERS.bAdmin, a.url)).status).toBe(404);
    const feed = await readChanges(USERS.b1Clinician, '');
    expect(feed.changes.map((c) => c.op === 'put' && c.service.id)).toEqual(['b-only']);
  });

  it('answers 410 telling the desk to re-bootstrap once the tombstones after its cursor were purged', async () => {
    const old = await manifestOf(USERS.a1Clinician);
    await publish('trust-a', [svc('a'), svc('d')]);
    const stillFine = await readChanges(USERS.a1Clinician, `?cursor=${old.cursor}`);
    expect(stillFine.changes.map((c) => c.op)).toEqual(['del']);
    await publish('trust-a', [svc('a'), svc('e')], new Date(Date.now() + 40 * 86_400_000));
    const r = await get(USERS.a1Clinician, `/v1/directory/changes?cursor=${old.cursor}`);
    expect(r.status).toBe(410);
    expect(await r.json()).toEqual({ error: 'cursor_expired', message: expect.stringMatching(/older than the deletions this server keeps.*Download the directory again/) });
    // The newest snapshot's cursor still continues.
    const fresh = await manifestOf(USERS.a1Clinician);
    expect((await readChanges(USERS.a1Clinician, `?cursor=${fresh.cursor}`)).changes).toEqual([]);
  });

  it(`offers the newest ${KEEP_SNAPSHOTS} snapshots of a trust; an older one is served an hour more, then deleted with its bytes and cached copy`, async () => {
    const first = await manifestOf(USERS.b1Clinician);
    const stored = first.compressed!.sha256;
    const cached = (hash: string) => existsSync(path.join(artefactCacheDir(dataDir), hash));
    // The node that built a snapshot keeps the file it built as its cached copy.
    expect(cached(stored)).toBe(true);
    for (let i = 0; i < KEEP_SNAPSHOTS; i++) await publish('trust-b', [svc('b-only', `Version ${i}`)]);
    const live = await opened.db.query<{ sha256: string }>('SELECT sha256 FROM directory_snapshot WHERE trust_id = $1 AND pruned_at IS NULL', ['trust-b']);
    expect(live).toHaveLength(KEEP_SNAPSHOTS);
    expect(live.map((r) => r.sha256)).not.toContain(stored);
    expect((await manifestOf(USERS.b1Clinician)).sha256).not.toBe(first.sha256);
    // A desk that read the older manifest still finishes its download, here or on another node.
    const resumed = await get(USERS.b1Clinician, first.url, { range: 'bytes=100-' });
    expect(resumed.status).toBe(206);
    expect((await resumed.arrayBuffer()).byteLength).toBe(first.bytes - 100);

    // An hour on, the next prune deletes it: row, artefact and chunks; this node's copy goes at the cache sweep.
    await opened.db.query("UPDATE directory_snapshot SET pruned_at = now() - interval '61 minutes' WHERE sha256 = $1", [stored]);
    expect(await pruneSnapshots(opened.db, 'trust-b')).toBe(1);
    expect((await get(USERS.b1Clinician, first.url)).status).toBe(404);
    expect((await get(USERS.b1Clinician, first.compressed!.url)).status).toBe(404);
    expect(await findArtefact(opened.db, stored)).toBeNull();
    expect(await opened.db.query('SELECT 1 FROM artefact_chunk c WHERE NOT EXISTS (SELECT 1 FROM artefact a WHERE a.content_id = c.content_id)')).toEqual([]);
    expect(await sweepCache(opened.db, dataDir)).toBe(1);
    expect(cached(stored)).toBe(false);
    for (const { sha256: hash } of live) expect(cached(hash)).toBe(true);
    expect(readdirSync(artefactCacheDir(dataDir)).filter((f) => f.startsWith('tmp-'))).toEqual([]);
  });

  it('serves every byte from PostgreSQL when this node’s cache folder is deleted, and fills the cache again', async () => {
    const manifest = await manifestOf(USERS.a1Clinician);
    rmSync(artefactCacheDir(dataDir), { recursive: true, force: true });
    const whole = await get(USERS.a1Clinician, manifest.url);
    expect(whole.status).toBe(200);
    expect(sha256(new Uint8Array(await whole.arrayBuffer()))).toBe(manifest.sha256);
    const part = await get(USERS.a1Clinician, manifest.url, { range: 'bytes=7-99' });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(93);
    const stored = path.join(artefactCacheDir(dataDir), manifest.compressed!.sha256);
    for (let i = 0; i < 100 && !existsSync(stored); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(stored)).toBe(true);
  });

  it('describes its routes in /openapi.json with the shared schemas', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const p of ['/v1/directory/manifest', '/v1/directory/snapshots/{sha256}', '/v1/directory/changes', '/v1/admin/directory/imports', '/v1/admin/directory/imports/{id}', '/v1/admin/taxonomy-mapping', '/v1/reference/bank-holidays']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    const manifest = doc.paths['/v1/directory/manifest'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(manifest.properties)).toEqual(expect.arrayContaining(['snapshotId', 'cursor', 'sha256', 'url']));
    expect(Object.keys(doc.paths['/v1/directory/changes'].get.responses['200'].content)).toEqual(['application/x-ndjson']);
    expect(doc.paths['/v1/directory/changes'].get.responses['410']).toBeDefined();
  });
});
