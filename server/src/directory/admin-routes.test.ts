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
import { ImportReport, type ImportRequest } from './imports';

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
  return { request: { kind: 'tabular', source, tables: pkg.tables, ...(pkg.datapackage !== undefined ? { datapackage: pkg.datapackage } : {}) }, input: { format: 'tabular', package: pkg } };
}

describe('directory admin routes (PostgreSQL)', () => {
  let opened: OpenedDatabase;
  let server: TestServer;
  let dataDir: string;
  let feedServer: Server;
  let feedBase: string;
  let failPage2 = true;

  const call = async (user: TestUser, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    server.app.inject({ method, url, headers: await server.auth(user), ...(payload !== undefined ? { payload: payload as object } : {}) });
  const importAs = async (user: TestUser, request: ImportRequest) => call(user, 'POST', '/v1/admin/directory/imports', request);
  const liveIds = async (trustId: string, source: string) =>
    (await opened.db.query<{ id: string }>('SELECT id FROM directory_service WHERE trust_id = $1 AND source = $2 AND NOT deleted ORDER BY id', [trustId, source])).map((r) => r.id);

  beforeAll(async () => {
    opened = await openSeededDatabase('postgres');
    dataDir = mkdtempSync(path.join(tmpdir(), 'directory-admin-'));
    server = await createTestServer(opened.db, [createDirectoryRoutes({ asOf: AS_OF, fetch: { retries: 1, minRetryDelayMs: 1, maxRetryDelayMs: 5, timeoutMs: 2000 } })], { DATA_DIR: dataDir });

    // A two-page ORUK API built from the HSDS 3.0 sample; page 2 fails while failPage2 is set.
    const sample = readOrukJson('hsds3-spec', 'service_full.json') as Record<string, unknown>;
    const record = (id: string, name: string) => ({ ...sample, id, name });
    const records: Record<string, ReturnType<typeof record>> = { one: record('one', 'Lambeth Crisis Café'), two: record('two', 'Croydon Safe Haven') };
    const page = (n: number, id: string) => ({ total_items: 2, total_pages: 2, page_number: n, size: 1, first_page: n === 1, last_page: n === 2, empty: false, contents: [{ id, name: records[id]!.name }] });
    feedServer = createServer((req, res) => {
      const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/services?page=1') return send(200, page(1, 'one'));
      if (req.url === '/services?page=2') return failPage2 ? send(503, { error: 'down' }) : send(200, page(2, 'two'));
      const m = /^\/services\/(\w+)$/.exec(req.url ?? '');
      return m && records[m[1]!] ? send(200, records[m[1]!]) : send(404, { error: 'not found' });
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

  describe('every ORUK/HSDS sample file imports through the route, its defects reported', () => {
    const inputs = fixtureInputs();
    it('finds the sample files', () => expect(inputs.length).toBeGreaterThanOrEqual(18));

    it.each(inputs.map((p, i) => [path.relative(ORUK_FIXTURES, p), i] as const))('%s', async (rel, i) => {
      const source = `fixture-${i}`;
      const { request, input } = await uploadOf(path.join(ORUK_FIXTURES, rel), source);
      const r = await importAs(USERS.aAdmin, request);
      expect(r.statusCode, r.body).toBe(201);
      const report = ImportReport.parse(r.json());
      const direct = importFeed(input, importOptions({ source, asOf: AS_OF }));

      expect(report.status).toBe('finished');
      expect(report.stats).toEqual(direct.stats);
      // Every defect the importer found is in the report, with its record and reason.
      expect(report.defects.slice(0, direct.defects.length)).toEqual(direct.defects);
      for (const d of report.defects) expect(d.reason.length).toBeGreaterThan(10);
      expect(report.defects.filter((d) => d.severity === 'skipped').length).toBeGreaterThanOrEqual(report.stats!.skipped);

      if (direct.services.length > 0) {
        expect(report.publishedVersion).toEqual(expect.any(Number));
        expect(report.changes).toMatchObject({ put: direct.services.length, deleted: 0 });
        expect(report.snapshot?.version).toBe(report.publishedVersion);
        expect(await liveIds('trust-a', source)).toEqual(direct.services.map((s) => s.id).sort());
      } else {
        expect(report.publishedVersion).toBeNull();
        expect(report.defects.at(-1)?.reason).toMatch(/Nothing was published/);
        expect(await liveIds('trust-a', source)).toEqual([]);
      }
      const again = await call(USERS.aAdmin, 'GET', `/v1/admin/directory/imports/${report.id}`);
      expect(again.json()).toEqual(report);
    });
  });

  it('imports a live feed from its URL; a page that cannot be read makes the import partial, so nothing is withdrawn', async () => {
    failPage2 = false;
    const full = ImportReport.parse((await importAs(USERS.aAdmin, { kind: 'url', source: 'live', url: feedBase })).json());
    expect(full).toMatchObject({ status: 'finished', complete: true, stats: { read: 2, imported: 2 }, changes: { put: 2 } });
    expect(await liveIds('trust-a', 'live')).toEqual(['live:one', 'live:two']);

    failPage2 = true;
    const partial = ImportReport.parse((await importAs(USERS.aAdmin, { kind: 'url', source: 'live', url: feedBase })).json());
    expect(partial).toMatchObject({ complete: false, stats: { imported: 1 }, changes: { put: 0, deleted: 0, unchanged: 1 } });
    expect(partial.defects.map((d) => d.reason).join('\n')).toMatch(/Page 2 .* could not be read[\s\S]*services missing from it were kept/);
    expect(await liveIds('trust-a', 'live')).toEqual(['live:one', 'live:two']);
  });

  it('withdraws the services a complete upload no longer lists, unless the admin marks it partial', async () => {
    const one = readOrukJson('hsds3-spec', 'service_full.json') as Record<string, unknown>;
    const doc = (ids: string[]) => ids.map((id) => ({ ...one, id, name: `Crisis line ${id}` }));
    await importAs(USERS.aAdmin, { kind: 'document', source: 'upload', document: doc(['p', 'q']) });
    const partial = ImportReport.parse((await importAs(USERS.aAdmin, { kind: 'document', source: 'upload', document: doc(['p']), complete: false })).json());
    expect(partial).toMatchObject({ complete: false, changes: { deleted: 0 } });
    expect(await liveIds('trust-a', 'upload')).toEqual(['upload:p', 'upload:q']);
    const complete = ImportReport.parse((await importAs(USERS.aAdmin, { kind: 'document', source: 'upload', document: doc(['p']) })).json());
    expect(complete).toMatchObject({ complete: true, changes: { deleted: 1 } });
    expect(await liveIds('trust-a', 'upload')).toEqual(['upload:p']);

    // One page of a paged list is not the whole feed.
    const page = ImportReport.parse((await importAs(USERS.aAdmin, { kind: 'document', source: 'upload', document: readOrukJson('hsds3-spec', 'service_list.json') })).json());
    expect(page).toMatchObject({ complete: false, changes: { put: 1, deleted: 0 } });
    expect(await liveIds('trust-a', 'upload')).toHaveLength(2);
    await importAs(USERS.aAdmin, { kind: 'document', source: 'upload', document: doc(['p']) });

    // A feed that yields nothing (here, not a feed at all) publishes nothing rather than emptying the directory.
    const empty = ImportReport.parse((await importAs(USERS.aAdmin, { kind: 'document', source: 'upload', document: { openapi: '3.1.0', paths: {} } })).json());
    expect(empty).toMatchObject({ publishedVersion: null, changes: null });
    expect(await liveIds('trust-a', 'upload')).toEqual(['upload:p']);
  });

  it('refuses requests that are not valid with 400 naming the field', async () => {
    const bad = await importAs(USERS.aAdmin, { kind: 'document', source: 'has spaces', document: [] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^source:/);
    expect((await importAs(USERS.aAdmin, { kind: 'url', source: 'x', url: 'file:///etc/passwd' })).statusCode).toBe(400);
    expect((await importAs(USERS.aAdmin, { kind: 'zip', source: 'x' } as unknown as ImportRequest)).statusCode).toBe(400);
  });

  it('lets only admins import or see and edit the mapping, each in their own trust', async () => {
    const request: ImportRequest = { kind: 'document', source: 'sneaky', document: readOrukJson('hsds3-spec', 'service_full.json') };
    for (const user of [USERS.a1Clinician, USERS.a1Lead, USERS.b1Lead]) {
      expect((await importAs(user, request)).statusCode).toBe(403);
      expect((await call(user, 'GET', '/v1/admin/taxonomy-mapping')).statusCode).toBe(403);
      expect((await call(user, 'PUT', '/v1/admin/taxonomy-mapping', DEFAULT_TAXONOMY_MAPPING)).statusCode).toBe(403);
    }
    const mine = ImportReport.parse((await importAs(USERS.aAdmin, request)).json());
    expect((await call(USERS.bAdmin, 'GET', `/v1/admin/directory/imports/${mine.id}`)).statusCode).toBe(404);
    expect((await call(USERS.a1Clinician, 'GET', `/v1/admin/directory/imports/${mine.id}`)).statusCode).toBe(403);
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

    const report = ImportReport.parse((await importAs(USERS.bAdmin, { kind: 'document', source: 'mapped', document: readOrukJson('hsds3-spec', 'service_full.json') })).json());
    expect(report.stats?.imported).toBe(1);
    const [row] = await opened.db.query<{ doc: unknown }>("SELECT doc FROM directory_service WHERE trust_id = 'trust-b' AND source = 'mapped'");
    expect(DirectoryService.parse(row!.doc).type).toBe('talking_therapies');
  });
});
