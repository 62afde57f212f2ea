import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOptions, ORUK_FIXTURES, readOrukJson } from '../../../test/support/oruk';
import { createTestServer, USERS, type TestServer, type TestUser } from '../../../test/support/server-fixtures';
import { openSeededDatabase, type OpenedDatabase } from '../../../test/support/server-databases';
import { DirectoryService } from '../../../shared/domain/directory';
import { DEFAULT_TAXONOMY_MAPPING, importFeed, loadTabularDirectory, type FeedInput } from '../import';
import { createDirectoryRoutes } from './index';
import { ImportJob, ImportList, ImportRecordPage, WithdrawalPage, type ImportRequest } from './import-report';

const AS_OF = '2026-11-02';

/** Every JSON file and every folder of CSV tables in the fixtures, as the importer's own tests find them. */
function fixtureInputs(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    const names = readdirSync(dir);
    if (names.some((n) => n.endsWith('.csv'))) out.push(dir);
    for (const n of names) {
      const p = path.join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.json')) out.push(p);
    }
  };
  walk(ORUK_FIXTURES);
  return out.sort();
}

/** The admin request uploading a fixture, and the same feed as the importer takes it. */
async function uploadOf(file: string, source: string): Promise<{ request: ImportRequest; input: FeedInput }> {
  if (file.endsWith('.json')) {
    const document = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return { request: { kind: 'document', source, document }, input: { format: 'json', document } };
  }
  const pkg = await loadTabularDirectory(file);
  const tables = Object.fromEntries(Object.entries(pkg.tables).map(([name, t]) => [name, readFileSync(typeof t === 'string' ? t : t.file, 'utf8')]));
  return { request: { kind: 'tabular', source, tables, ...(pkg.datapackage !== undefined ? { datapackage: pkg.datapackage } : {}) }, input: { format: 'tabular', package: { ...pkg, tables } } };
}

const record = (id: string, name = `Crisis café ${id}`) => ({
  id,
  name,
  status: 'active',
  phones: [{ number: 'Call 0800 689 5652 (24 hours) or text SHOUT to 85258' }],
  schedules: [{ id: `${id}-s`, byday: 'MO,TU,WE,TH,FR', opens_at: '18:00', closes_at: '23:00' }],
});

describe('directory admin routes (PostgreSQL)', () => {
  let opened: OpenedDatabase;
  let server: TestServer;
  let dataDir: string;
  let feedServer: Server;
  let feedBase: string;
  let failPage2 = true;
  let slowPages = false;

  const call = async (user: TestUser, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    server.app.inject({ method, url, headers: await server.auth(user), ...(payload !== undefined ? { payload: payload as object } : {}) });
  const importAs = async (user: TestUser, request: ImportRequest) => call(user, 'POST', '/v1/admin/directory/imports?wait=true', request);
  const job = (r: { json(): unknown }) => ImportJob.parse(r.json());
  const liveIds = async (trustId: string, source: string) =>
    (await opened.db.query<{ id: string }>('SELECT id FROM directory_service WHERE trust_id = $1 AND source = $2 AND NOT deleted ORDER BY id', [trustId, source])).map((r) => r.id);

  beforeAll(async () => {
    opened = await openSeededDatabase('postgres');
    dataDir = mkdtempSync(path.join(tmpdir(), 'directory-admin-'));
    server = await createTestServer(opened.db, [createDirectoryRoutes({ asOf: AS_OF, fetch: { retries: 1, minRetryDelayMs: 1, maxRetryDelayMs: 5, timeoutMs: 2000 } })], {
      DATA_DIR: dataDir,
      IMPORT_FETCH_ALLOW: '127.0.0.1',
    });

    // A two-page ORUK API built from the HSDS 3.0 sample; page 2 fails while failPage2 is set.
    const sample = readOrukJson('hsds3-spec', 'service_full.json') as Record<string, unknown>;
    const full = (id: string, name: string) => ({ ...sample, id, name });
    const records: Record<string, ReturnType<typeof full>> = { one: full('one', 'Lambeth Crisis Café'), two: full('two', 'Croydon Safe Haven') };
    const page = (n: number, id: string) => ({ total_items: 2, total_pages: 2, page_number: n, size: 1, first_page: n === 1, last_page: n === 2, empty: false, contents: [{ id, name: records[id]!.name }] });
    feedServer = createServer((req, res) => {
      const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const go = () => {
        if (req.url === '/services?page=1') return send(200, page(1, 'one'));
        if (req.url === '/services?page=2') return failPage2 ? send(503, { error: 'down' }) : send(200, page(2, 'two'));
        const m = /^\/services\/(\w+)$/.exec(req.url ?? '');
        return m && records[m[1]!] ? send(200, records[m[1]!]) : send(404, { error: 'not found' });
      };
      if (slowPages) setTimeout(go, 300);
      else go();
    });
    await new Promise<void>((resolve) => feedServer.listen(0, '127.0.0.1', resolve));
    feedBase = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    feedServer.closeAllConnections();
    await new Promise((resolve) => feedServer.close(resolve));
    await server.close();
    await opened.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('every ORUK/HSDS sample file imports through the route, its report the importer’s', () => {
    const inputs = fixtureInputs();
    it('finds the sample files', () => expect(inputs.length).toBeGreaterThanOrEqual(18));

    it.each(inputs.map((p, i) => [path.relative(ORUK_FIXTURES, p), i] as const))('%s', async (rel, i) => {
      const source = `fixture-${i}`;
      const { request, input } = await uploadOf(path.join(ORUK_FIXTURES, rel), source);
      const r = await importAs(USERS.aAdmin, request);
      expect(r.statusCode, r.body).toBe(201);
      const report = job(r);
      const direct = await importFeed(input, importOptions({ source, asOf: AS_OF }));

      expect(report.counts).toEqual(direct.counts);
      expect(report.problems).toEqual(direct.problems.length === 0 && direct.counts.records === 0 ? [{ where: null, reason: 'The feed holds no service records.', partial: false }] : direct.problems);
      const lines = ImportRecordPage.parse((await call(USERS.aAdmin, 'GET', `/v1/admin/directory/imports/${report.id}/records?limit=1000`)).json()).records;
      expect(lines.map((l) => [l.seq, l.place, l.feedId, l.outcome, l.defects])).toEqual(direct.records.map((x) => [x.seq, x.place, x.feedId, x.outcome, x.defects]));

      if (direct.services.length > 0) {
        expect(report.status).toBe('published');
        expect(report.changes).toMatchObject({ put: direct.services.length, deleted: 0 });
        expect(report.snapshot?.version).toBe(report.publishedVersion);
        expect(await liveIds('trust-a', source)).toEqual(direct.services.map((s) => s.id).sort());
      } else {
        expect(report).toMatchObject({ status: 'not_published', publishedVersion: null });
        expect(report.summary).toMatch(/^Nothing was published/);
        expect(await liveIds('trust-a', source)).toEqual([]);
      }
      const again = await call(USERS.aAdmin, 'GET', `/v1/admin/directory/imports/${report.id}`);
      expect(again.json()).toEqual(report);
    });
  });

  it('starts an import at once (202 with where to watch it), shows its progress, and its report when it has ended', async () => {
    failPage2 = false;
    slowPages = true;
    try {
      const started = await call(USERS.aAdmin, 'POST', '/v1/admin/directory/imports', { kind: 'url', source: 'watched', url: feedBase });
      expect(started.statusCode).toBe(202);
      const running = job(started);
      expect(running).toMatchObject({ status: 'running', kind: 'url', origin: `${feedBase}/`, startedBy: USERS.aAdmin.userId, progress: { records: 0 } });
      expect(started.headers.location).toBe(`/v1/admin/directory/imports/${running.id}`);
      // A second import of the same feed waits its turn.
      const second = await call(USERS.aAdmin, 'POST', '/v1/admin/directory/imports', { kind: 'url', source: 'watched', url: feedBase });
      expect(second.statusCode).toBe(409);
      expect(second.json()).toMatchObject({ error: 'import_running' });
      let last = running;
      for (let i = 0; i < 200 && last.status === 'running'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        last = job(await call(USERS.aAdmin, 'GET', started.headers.location as string));
      }
      expect(last).toMatchObject({ status: 'published', complete: true, counts: { records: 2, imported: 2 }, progress: { records: 2 } });
      const list = ImportList.parse((await call(USERS.aAdmin, 'GET', '/v1/admin/directory/imports?source=watched')).json());
      expect(list.imports.map((x) => x.id)).toEqual([running.id]);
    } finally {
      slowPages = false;
    }
  });

  it('imports a live feed from its URL; a page that cannot be read makes the import partial, so nothing is withdrawn', async () => {
    failPage2 = false;
    const full = job(await importAs(USERS.aAdmin, { kind: 'url', source: 'live', url: feedBase }));
    expect(full).toMatchObject({ status: 'published', complete: true, counts: { records: 2, imported: 2 }, changes: { put: 2 } });
    expect(await liveIds('trust-a', 'live')).toEqual(['live:one', 'live:two']);

    failPage2 = true;
    const partial = job(await importAs(USERS.aAdmin, { kind: 'url', source: 'live', url: feedBase }));
    expect(partial).toMatchObject({ complete: false, counts: { imported: 1 }, changes: { put: 0, deleted: 0, unchanged: 1 } });
    expect(partial.problems.map((p) => p.reason)).toEqual([
      `Page 2 (${feedBase}/services?page=2) could not be read after 2 attempts: the server answered HTTP 503. The services on it were not read, and reading stopped there.`,
    ]);
    expect(await liveIds('trust-a', 'live')).toEqual(['live:one', 'live:two']);
  });

  it('refuses a URL import of an address the server must not reach, without fetching it', async () => {
    const r = job(await importAs(USERS.aAdmin, { kind: 'url', source: 'metadata', url: 'http://[::1]:9/latest/meta-data' }));
    expect(r).toMatchObject({ status: 'not_published', counts: { records: 0 } });
    expect(r.problems[0]!.reason).toMatch(/::1 is a loopback address \(this machine\), which imports may not reach/);
  });

  it('streams a feed document sent as the request body itself', async () => {
    const body = JSON.stringify({ total_pages: 1, total_items: 3, contents: [record('u1'), record('u2'), record('u1', 'A copy')] });
    const r = await server.app.inject({
      method: 'POST',
      url: '/v1/admin/directory/imports/upload?source=uploaded&name=feed.json',
      headers: { ...(await server.auth(USERS.aAdmin)), 'content-type': 'application/json' },
      payload: body,
    });
    expect(r.statusCode, r.body).toBe(201);
    const report = job(r);
    expect(report).toMatchObject({ status: 'published', kind: 'upload', origin: 'feed.json', complete: true, counts: { records: 3, imported: 0, repaired: 2, duplicates: 1 } });
    expect(await liveIds('trust-a', 'uploaded')).toEqual(['uploaded:u1', 'uploaded:u2']);
    const [row] = await opened.db.query<{ doc: unknown }>("SELECT doc FROM directory_service WHERE id = 'uploaded:u1'");
    // The crisis line's number and its SMS short code, each with the words the feed wrote.
    expect(DirectoryService.parse(row!.doc).phones).toEqual([
      { number: '0800 689 5652', type: 'public', label: 'Call 0800 689 5652 (24 hours) or text SHOUT to 85258' },
      { number: '85258', type: 'text', label: 'Call 0800 689 5652 (24 hours) or text SHOUT to 85258' },
    ]);
    const wrongType = await server.app.inject({ method: 'POST', url: '/v1/admin/directory/imports/upload?source=uploaded', headers: { ...(await server.auth(USERS.aAdmin)), 'content-type': 'text/plain' }, payload: body });
    expect(wrongType.statusCode).toBe(415);
  });

  it('holds a large withdrawal for an admin: the withdrawals listed, then confirmed or refused once', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `w${i}`);
    expect(job(await importAs(USERS.bAdmin, { kind: 'document', source: 'held', document: ids.map((id) => record(id)) })).status).toBe('published');
    const held = job(await importAs(USERS.bAdmin, { kind: 'document', source: 'held', document: ids.slice(5).map((id) => record(id)) }));
    expect(held).toMatchObject({ status: 'awaiting_confirmation', withdrawals: { count: 5, trustServices: 10, confirmAbovePercent: 10 } });
    const withdrawals = WithdrawalPage.parse((await call(USERS.bAdmin, 'GET', `/v1/admin/directory/imports/${held.id}/withdrawals?limit=3`)).json());
    expect(withdrawals).toEqual({ services: ['w0', 'w1', 'w2'].map((id) => ({ id: `held:${id}`, name: `Crisis café ${id}` })), next: 'held:w2' });
    expect(await liveIds('trust-b', 'held')).toHaveLength(10);

    // Only the trust's admins decide.
    expect((await call(USERS.b1Lead, 'POST', `/v1/admin/directory/imports/${held.id}/confirm`)).statusCode).toBe(403);
    expect((await call(USERS.aAdmin, 'POST', `/v1/admin/directory/imports/${held.id}/confirm`)).statusCode).toBe(404);
    const confirmed = await call(USERS.bAdmin, 'POST', `/v1/admin/directory/imports/${held.id}/confirm`);
    expect(confirmed.statusCode).toBe(200);
    expect(job(confirmed)).toMatchObject({ status: 'published', decision: { action: 'confirmed', by: USERS.bAdmin.userId }, changes: { deleted: 5 } });
    expect(await liveIds('trust-b', 'held')).toEqual(ids.slice(5).map((id) => `held:${id}`));
    const twice = await call(USERS.bAdmin, 'POST', `/v1/admin/directory/imports/${held.id}/refuse`);
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ error: 'not_awaiting_confirmation', message: expect.stringMatching(/^This import is published, not waiting for confirmation/) });

    const again = job(await importAs(USERS.bAdmin, { kind: 'document', source: 'held', document: [record('w9')] }));
    expect(again.status).toBe('awaiting_confirmation');
    expect(job(await call(USERS.bAdmin, 'POST', `/v1/admin/directory/imports/${again.id}/refuse`))).toMatchObject({ status: 'refused', decision: { action: 'refused' } });
    expect(await liveIds('trust-b', 'held')).toHaveLength(5);
  });

  it('withdraws the services a complete upload no longer lists, unless the admin marks it partial', async () => {
    const one = readOrukJson('hsds3-spec', 'service_full.json') as Record<string, unknown>;
    const doc = (ids: string[]) => ids.map((id) => ({ ...one, id, name: `Crisis line ${id}` }));
    // Trust A holds many services by now, so one withdrawal stays under the share that needs confirming.
    await importAs(USERS.aAdmin, { kind: 'document', source: 'upload', document: doc(['p', 'q']) });
    const partial = job(await importAs(USERS.aAdmin, { kind: 'document', source: 'upload', document: doc(['p']), complete: false }));
    expect(partial).toMatchObject({ complete: false, changes: { deleted: 0 } });
    expect(await liveIds('trust-a', 'upload')).toEqual(['upload:p', 'upload:q']);
    const complete = job(await importAs(USERS.aAdmin, { kind: 'document', source: 'upload', document: doc(['p']) }));
    expect(complete).toMatchObject({ status: 'published', complete: true, changes: { deleted: 1 }, withdrawals: { count: 1 } });
    expect(await liveIds('trust-a', 'upload')).toEqual(['upload:p']);

    // One page of a paged list is not the whole feed.
    const page = job(await importAs(USERS.aAdmin, { kind: 'document', source: 'upload', document: readOrukJson('hsds3-spec', 'service_list.json') }));
    expect(page).toMatchObject({ complete: false, changes: { put: 1, deleted: 0 } });
    expect(await liveIds('trust-a', 'upload')).toHaveLength(2);
  });

  it('refuses requests that are not valid with 400 naming the field', async () => {
    const bad = await importAs(USERS.aAdmin, { kind: 'document', source: 'has spaces', document: [] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^source:/);
    expect((await importAs(USERS.aAdmin, { kind: 'url', source: 'x', url: 'file:///etc/passwd' })).statusCode).toBe(400);
    expect((await importAs(USERS.aAdmin, { kind: 'zip', source: 'x' } as unknown as ImportRequest)).statusCode).toBe(400);
    expect((await call(USERS.aAdmin, 'GET', '/v1/admin/directory/imports/not-a-uuid')).statusCode).toBe(400);
    expect((await call(USERS.aAdmin, 'GET', `/v1/admin/directory/imports/${crypto.randomUUID()}/records`)).statusCode).toBe(404);
  });

  it('lets only admins import or see and edit the mapping, each in their own trust', async () => {
    const request: ImportRequest = { kind: 'document', source: 'sneaky', document: readOrukJson('hsds3-spec', 'service_full.json') };
    for (const user of [USERS.a1Clinician, USERS.a1Lead, USERS.b1Lead]) {
      expect((await importAs(user, request)).statusCode).toBe(403);
      expect((await call(user, 'GET', '/v1/admin/taxonomy-mapping')).statusCode).toBe(403);
      expect((await call(user, 'PUT', '/v1/admin/taxonomy-mapping', DEFAULT_TAXONOMY_MAPPING)).statusCode).toBe(403);
      expect((await call(user, 'GET', '/v1/admin/directory/imports')).statusCode).toBe(403);
    }
    const mine = job(await importAs(USERS.aAdmin, request));
    for (const sub of ['', '/records', '/withdrawals']) expect((await call(USERS.bAdmin, 'GET', `/v1/admin/directory/imports/${mine.id}${sub}`)).statusCode).toBe(404);
    expect((await call(USERS.a1Clinician, 'GET', `/v1/admin/directory/imports/${mine.id}`)).statusCode).toBe(403);
    expect(ImportList.parse((await call(USERS.bAdmin, 'GET', '/v1/admin/directory/imports?limit=100')).json()).imports.map((x) => x.id)).not.toContain(mine.id);
    expect(await liveIds('trust-b', 'sneaky')).toEqual([]);
  });

  it('serves the default mapping until an admin sets one, validates it, and imports with it', async () => {
    const initial = await call(USERS.bAdmin, 'GET', '/v1/admin/taxonomy-mapping');
    expect(initial.json()).toEqual({ mapping: DEFAULT_TAXONOMY_MAPPING, isDefault: true, updatedAt: null, updatedBy: null });

    const invalid = await call(USERS.bAdmin, 'PUT', '/v1/admin/taxonomy-mapping', { rules: [{ match: {}, type: 'crisis_cafe' }] });
    expect(invalid.statusCode).toBe(400);
    expect((await call(USERS.bAdmin, 'PUT', '/v1/admin/taxonomy-mapping', { rules: [{ match: { term: 'x' }, type: 'not_a_type' }] })).statusCode).toBe(400);

    const mapping = { rules: [{ match: { nameContains: 'counselling' }, type: 'talking_therapies' as const }] };
    const put = await call(USERS.bAdmin, 'PUT', '/v1/admin/taxonomy-mapping', mapping);
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ mapping, isDefault: false, updatedBy: USERS.bAdmin.userId });
    expect((await call(USERS.aAdmin, 'GET', '/v1/admin/taxonomy-mapping')).json()).toMatchObject({ isDefault: true });

    const report = job(await importAs(USERS.bAdmin, { kind: 'document', source: 'mapped', document: readOrukJson('hsds3-spec', 'service_full.json') }));
    expect(report.counts?.imported).toBe(1);
    const [row] = await opened.db.query<{ doc: unknown }>("SELECT doc FROM directory_service WHERE trust_id = 'trust-b' AND source = 'mapped'");
    expect(DirectoryService.parse(row!.doc).type).toBe('talking_therapies');
  });
});
