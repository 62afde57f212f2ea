import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectSoundImport, importOptions, readOrukJson } from '../../../test/support/oruk';
import { importFromApi, fetchServiceRecords, type FetchOptions } from './fetch-feed';
import type { JsonObject } from './json-values';

/*
 * A small ORUK API on 127.0.0.1 serving records built from the HSDS 3.0 sample: four pages, the
 * second failing once with a 500, the third malformed, and one listed service whose detail is gone.
 */

const sample = readOrukJson('hsds3-spec', 'service_full.json') as JsonObject;

function fullRecord(id: string, name: string): JsonObject {
  return {
    ...sample,
    id,
    name,
    schedules: [{ id: `${id}-s`, freq: 'WEEKLY', byday: 'MO,TU,WE,TH,FR', opens_at: '18:00', closes_at: '23:00' }],
    service_at_locations: [],
  };
}

const RECORDS = {
  cafe: fullRecord('cafe', 'Camberwell Crisis Café'),
  haven: fullRecord('haven', 'Croydon Safe Haven'),
  sanctuary: fullRecord('sanctuary', 'Lambeth Sanctuary'),
  house: fullRecord('house', 'Drayton Park Crisis House'),
  gone: fullRecord('gone', 'Closed Café'),
  helpline: fullRecord('helpline', 'Samaritans'),
};
type Id = keyof typeof RECORDS;

/** A list page holds only the one-to-one fields, as HSDS 3.0 lists do. */
const listItem = (id: Id) => ({ id, name: RECORDS[id].name, status: 'active' });
const page = (n: number, ids: Id[], totalPages = 4) => ({ total_items: 6, total_pages: totalPages, page_number: n, size: 2, first_page: n === 1, last_page: n === totalPages, empty: false, contents: ids.map(listItem) });

type Route = (req: IncomingMessage, res: ServerResponse, count: number) => void;
const json = (res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

let server: Server;
let base: string;
let routes: Record<string, Route> = {};
const requests = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const key = req.url ?? '';
    const count = (requests.get(key) ?? 0) + 1;
    requests.set(key, count);
    const route = routes[key];
    if (route) route(req, res, count);
    else json(res, { error: 'not found' }, 404);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests.clear();
  routes = {};
});

const fast: FetchOptions = { timeoutMs: 2000, retries: 2, minRetryDelayMs: 5, maxRetryDelayMs: 20 };
const details = (ids: Id[]) => Object.fromEntries(ids.map((id) => [`/api/services/${id}`, ((_q, res) => json(res, RECORDS[id])) as Route]));

describe('importFromApi', () => {
  it('reads every page and each full record, retries a page that fails once, and reports a malformed page and a missing record', async () => {
    routes = {
      '/api/services?page=1': (_q, res) => json(res, page(1, ['cafe', 'haven'])),
      '/api/services?page=2': (_q, res, count) => (count === 1 ? json(res, { error: 'busy' }, 500) : json(res, page(2, ['sanctuary', 'house']))),
      '/api/services?page=3': (_q, res) => json(res, '{"total_items": 6, "contents": [{"id": "x", '),
      '/api/services?page=4': (_q, res) => json(res, page(4, ['gone', 'helpline'])),
      ...details(['cafe', 'haven', 'sanctuary', 'house', 'helpline']),
    };
    const r = await importFromApi(base, { ...importOptions(), fetch: fast });
    expectSoundImport(r);

    expect(r.services.map((s) => [s.id, s.type])).toEqual([
      ['test:cafe', 'crisis_cafe'],
      ['test:haven', 'safe_haven'],
      ['test:sanctuary', 'sanctuary'],
      ['test:house', 'crisis_house'],
      ['test:helpline', 'crisis_helpline'],
    ]);
    // Detail records, not list items: the phones and hours come from /services/{id}.
    expect(r.services[0]!.phones[0]!.number).toBe('+44 1234 234567');
    expect(r.services[0]!.schedule.weekly).toEqual([{ days: [1, 2, 3, 4, 5], opens: '18:00', closes: '23:00' }]);

    expect(requests.get('/api/services?page=2')).toBe(2);
    expect(requests.get('/api/services?page=3')).toBe(1); // malformed JSON is not retried
    expect(requests.get('/api/services/gone')).toBe(1); // nor is a 404

    expect(r.defects).toContainEqual({
      source: 'test',
      recordId: null,
      recordName: null,
      field: 'page 3',
      severity: 'skipped',
      reason: expect.stringMatching(new RegExp(`^Page 3 \\(${base}services\\?page=3\\) could not be read after 3 attempts: the answer is not valid JSON .*The services on it were not imported\\.$`)),
    });
    expect(r.defects).toContainEqual({
      source: 'test',
      recordId: 'gone',
      recordName: 'Closed Café',
      field: null,
      severity: 'skipped',
      reason: `Its full record (${base}services/gone) could not be read after 3 attempts: the server answered HTTP 404; not imported this time.`,
    });
    expect(r.stats).toMatchObject({ read: 6, imported: 5, skipped: 1 });
    expect(r.complete).toBe(false);
  });

  it('is complete when every page and record was read', async () => {
    routes = { '/api/services?page=1': (_q, res) => json(res, page(1, ['cafe'], 1)), ...details(['cafe']) };
    const r = await importFromApi(base, { ...importOptions(), fetch: fast });
    expect(r.services.map((s) => s.id)).toEqual(['test:cafe']);
    expect(r.complete).toBe(true);
    expect(r.defects.filter((d) => d.recordId === null)).toEqual([]);
  });

  it('reads an ORUK v1 API (Spring pages) and honours Retry-After on a 429', async () => {
    const v1Page = (n: number, ids: Id[]) => ({ totalElements: 2, totalPages: 2, number: n - 1, size: 1, first: n === 1, last: n === 2, content: ids.map((id) => RECORDS[id]) });
    routes = {
      '/api/services?page=1': (_q, res, count) => (count === 1 ? json(res, { error: 'slow down' }, 429, { 'retry-after': '0' }) : json(res, v1Page(1, ['cafe']))),
      '/api/services?page=2': (_q, res) => json(res, v1Page(2, ['haven'])),
    };
    const r = await importFromApi(base, { ...importOptions(), fetch: { ...fast, details: false } });
    expect(r.services.map((s) => s.id)).toEqual(['test:cafe', 'test:haven']);
    expect(requests.get('/api/services?page=1')).toBe(2);
    expect(requests.has('/api/services/cafe')).toBe(false);
  });

  it('stops when the API ignores ?page and repeats itself', async () => {
    const unpaged = { contents: [listItem('cafe')], page_number: 1 };
    routes = { '/api/services?page=1': (_q, res) => json(res, unpaged), '/api/services?page=2': (_q, res) => json(res, unpaged), ...details(['cafe']) };
    const r = await importFromApi(base, { ...importOptions(), fetch: fast });
    expect(r.services.map((s) => s.id)).toEqual(['test:cafe']);
    expect(r.defects).toContainEqual(expect.objectContaining({ field: 'page 2', severity: 'warning', reason: expect.stringMatching(/repeated services already read/) }));
    expect(requests.has('/api/services?page=3')).toBe(false);
  });

  it('reports a page that never answers, after its retries, and stops there when it cannot know how many pages there are', async () => {
    routes = { '/api/services?page=1': () => {} };
    const r = await importFromApi(base, { ...importOptions(), fetch: { ...fast, timeoutMs: 150, retries: 1 } });
    expect(r.services).toEqual([]);
    expect(requests.get('/api/services?page=1')).toBe(2);
    expect(r.defects).toEqual([
      expect.objectContaining({ field: 'page 1', severity: 'skipped', reason: expect.stringMatching(/could not be read after 2 attempts: no complete answer within 0.15 s\. The services on it were not imported, and reading stopped there\.$/) }),
    ]);
    expect(r.complete).toBe(false);
  });

  it('says so when the address serves something that is not a service feed', async () => {
    routes = { '/api/services?page=1': (_q, res) => json(res, readOrukJson('oruk-feeds', 'V1_DashboardResponse.json')) };
    const r = await importFromApi(base, { ...importOptions(), fetch: fast });
    expect(r.defects).toEqual([expect.objectContaining({ field: 'page 1', severity: 'skipped', reason: expect.stringMatching(/dashboard of publishers/) })]);
  });

  it('reports a server that cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await fetchServiceRecords(`http://127.0.0.1:${port}/api`, 'test', { ...fast, retries: 1 });
    expect(r.records).toEqual([]);
    expect(r.defects).toEqual([expect.objectContaining({ field: 'page 1', reason: expect.stringMatching(/a network error \(ECONNREFUSED\)/) })]);
  });

  it('refuses bad options before fetching anything', async () => {
    await expect(importFromApi(base, { ...importOptions({ source: 'has spaces' }), fetch: fast })).rejects.toThrow(TypeError);
    expect(requests.size).toBe(0);
  });
});
