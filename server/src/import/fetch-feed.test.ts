import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectSoundImport, importOptions, readOrukJson } from '../../../test/support/oruk';
import type { FetchOptions } from './fetch-feed';
import { importFeed, type ImportResult } from './import-feed';
import type { JsonObject } from './json-values';

/*
 * A small ORUK API on 127.0.0.1 whose pages each test writes: paging that tells the truth, and
 * paging that lies in each way a real API can (page numbers, totals that change or disagree with
 * the pages, contradicting last-page markers, empty and repeated pages, records repeated across
 * pages), pages that fail, time out or are not a feed, and full records that are missing.
 * A read that disagrees with itself is partial (nothing may be withdrawn), and says exactly why.
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
  gone: fullRecord('gone', 'Peckham Crisis Café'),
  helpline: fullRecord('helpline', 'Samaritans'),
};
type Id = keyof typeof RECORDS;

/** A list page holds only the one-to-one fields, as HSDS 3.0 lists do. */
const listItem = (id: Id) => ({ id, name: RECORDS[id].name, status: 'active' });
interface PageShape {
  total_items?: number;
  total_pages?: number;
  page_number?: number;
  first_page?: boolean;
  last_page?: boolean;
  size?: number;
}
const page = (n: number, ids: Id[], over: PageShape = {}, totalPages = 4, totalItems = 6) => ({
  total_items: totalItems, total_pages: totalPages, page_number: n, size: 2, first_page: n === 1, last_page: n === totalPages, empty: ids.length === 0, contents: ids.map(listItem), ...over,
});

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

// The test API is on loopback, which URL imports may reach only when the allow-list names it.
const fast: FetchOptions = { timeoutMs: 2000, retries: 2, minRetryDelayMs: 5, maxRetryDelayMs: 20, allow: '127.0.0.1' };
const details = (ids: Id[]) => Object.fromEntries(ids.map((id) => [`/api/services/${id}`, ((_q, res) => json(res, RECORDS[id])) as Route]));
const pages = (list: [number, Id[], PageShape?][], totalPages = 4, totalItems = 6) =>
  Object.fromEntries(list.map(([n, ids, over]) => [`/api/services?page=${n}`, ((_q, res) => json(res, page(n, ids, over, totalPages, totalItems))) as Route]));

async function read(fetch: FetchOptions = fast, limits: Parameters<typeof importOptions>[0] = {}): Promise<ImportResult> {
  const r = await importFeed({ format: 'api', url: base, fetch }, importOptions(limits));
  expectSoundImport(r);
  return r;
}

const problemLines = (r: ImportResult) => r.problems.map((p) => `${p.partial ? 'partial' : 'note'} ${p.where ?? '-'}: ${p.reason}`);
const outcomes = (r: ImportResult) => r.records.map((x) => `${x.place} ${x.feedId} ${x.outcome}`);

describe('reading a live API', () => {
  it('reads every page and each full record, retries a page that fails once, and reports a malformed page and a missing record', async () => {
    routes = {
      '/api/services?page=1': (_q, res) => json(res, page(1, ['cafe', 'haven'])),
      '/api/services?page=2': (_q, res, count) => (count === 1 ? json(res, { error: 'busy' }, 500) : json(res, page(2, ['sanctuary', 'house']))),
      '/api/services?page=3': (_q, res) => json(res, '{"total_items": 6, "contents": [{"id": "secret-token-123", '),
      '/api/services?page=4': (_q, res) => json(res, page(4, ['gone', 'helpline'])),
      ...details(['cafe', 'haven', 'sanctuary', 'house', 'helpline']),
    };
    const r = await read();
    expect(r.services.map((s) => [s.id, s.type])).toEqual([
      ['test:cafe', 'crisis_cafe'],
      ['test:haven', 'safe_haven'],
      ['test:sanctuary', 'sanctuary'],
      ['test:house', 'crisis_house'],
      ['test:helpline', 'crisis_helpline'],
    ]);
    // Detail records, not list items: the phones and hours come from /services/{id}.
    expect(r.services[0]!.phones[0]!.number).toBe('01234 234567');
    expect(r.services[0]!.schedule.weekly).toEqual([{ days: [1, 2, 3, 4, 5], opens: '18:00', closes: '23:00' }]);

    expect(requests.get('/api/services?page=2')).toBe(2);
    expect(requests.get('/api/services?page=3')).toBe(1); // malformed JSON is not retried
    expect(requests.get('/api/services/gone')).toBe(1); // nor is a 404

    expect(outcomes(r)).toEqual([
      'page 1, item 1 cafe imported', 'page 1, item 2 haven imported', 'page 2, item 1 sanctuary imported', 'page 2, item 2 house imported',
      'page 4, item 1 gone left_out', 'page 4, item 2 helpline imported',
    ]);
    expect(r.records[4]!.defects).toEqual([
      { field: null, severity: 'left_out', reason: `Its full record (${base}services/gone) could not be read after 1 attempt: the server answered HTTP 404; not imported this time (a version published earlier stays).` },
    ]);
    expect(problemLines(r)).toEqual([
      `partial page 3: Page 3 (${base}services?page=3) could not be read after 1 attempt: the answer is not a JSON document: the document ends in the middle, after 59 bytes. The services on it were not read.`,
    ]);
    // The answer's content is never echoed back.
    expect(JSON.stringify(r)).not.toContain('secret-token-123');
    expect(r.complete).toBe(false);
  });

  it('is complete when every page and record was read and the paging agrees with itself', async () => {
    routes = { ...pages([[1, ['cafe', 'haven']], [2, ['sanctuary']]], 2, 3), ...details(['cafe', 'haven', 'sanctuary']) };
    const r = await read();
    expect(r.services.map((s) => s.id)).toEqual(['test:cafe', 'test:haven', 'test:sanctuary']);
    expect(r.problems).toEqual([]);
    expect(r.complete).toBe(true);
  });

  it('a full record that cannot be read leaves that record out, but the read stays whole: it is listed, so it is not withdrawn', async () => {
    routes = { ...pages([[1, ['cafe', 'gone']]], 1, 2), ...details(['cafe']) };
    const r = await read();
    expect(outcomes(r)).toEqual(['page 1, item 1 cafe imported', 'page 1, item 2 gone left_out']);
    expect(r.records[1]!.serviceId).toBe('test:gone');
    expect(r.complete).toBe(true);
  });

  it('reads an ORUK v1 API (Spring pages counted from 0) and honours Retry-After on a 429', async () => {
    const v1Page = (n: number, ids: Id[]) => ({ totalElements: 2, totalPages: 2, number: n - 1, size: 1, first: n === 1, last: n === 2, content: ids.map((id) => RECORDS[id]) });
    routes = {
      '/api/services?page=1': (_q, res, count) => (count === 1 ? json(res, { error: 'slow down' }, 429, { 'retry-after': '0' }) : json(res, v1Page(1, ['cafe']))),
      '/api/services?page=2': (_q, res) => json(res, v1Page(2, ['haven'])),
    };
    const r = await read({ ...fast, details: false });
    expect(r.services.map((s) => s.id)).toEqual(['test:cafe', 'test:haven']);
    expect(requests.get('/api/services?page=1')).toBe(2);
    expect(requests.has('/api/services/cafe')).toBe(false);
    expect(r.complete).toBe(true);
  });

  it('reads a gzip-compressed answer', async () => {
    const { gzipSync } = await import('node:zlib');
    routes = {
      '/api/services?page=1': (_q, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync(JSON.stringify(page(1, ['cafe'], {}, 1, 1))));
      },
      ...details(['cafe']),
    };
    expect((await read()).services.map((s) => s.id)).toEqual(['test:cafe']);
  });
});

describe('paging that lies', () => {
  it('an API that ignores ?page= and repeats itself: the repeats are duplicates, the read is partial and stops', async () => {
    const same = { contents: [listItem('cafe'), listItem('haven')], page_number: 1, total_pages: 3, total_items: 6 };
    routes = { '/api/services?page=1': (_q, res) => json(res, same), '/api/services?page=2': (_q, res) => json(res, { ...same, page_number: 1 }), ...details(['cafe', 'haven']) };
    const r = await read();
    expect(outcomes(r)).toEqual(['page 1, item 1 cafe imported', 'page 1, item 2 haven imported', 'page 2, item 1 cafe duplicate', 'page 2, item 2 haven duplicate']);
    expect(r.records[2]!.firstCopy).toEqual({ seq: 1, place: 'page 1, item 1' });
    expect(problemLines(r)).toEqual([
      'partial page 2: Page 2 was asked for, but the answer says it is page 1.',
      'partial page 2: Page 2 repeats records already read (all 2 records came on page 1): the API may be ignoring ?page=. Reading stopped there.',
      'partial -: The feed says it holds 6 services, but its pages listed 4 (2 different).',
    ]);
    expect(requests.has('/api/services?page=3')).toBe(false);
    expect(requests.get('/api/services/cafe')).toBe(1);
  });

  it('a record repeated on a later page: a duplicate saying where its first copy was, and the read is partial (the list shifted)', async () => {
    routes = { ...pages([[1, ['cafe', 'haven']], [2, ['haven', 'house']]], 2, 4), ...details(['cafe', 'haven', 'house']) };
    const r = await read();
    expect(outcomes(r)).toEqual(['page 1, item 1 cafe imported', 'page 1, item 2 haven imported', 'page 2, item 1 haven duplicate', 'page 2, item 2 house imported']);
    expect(r.records[2]!.defects).toEqual([{ field: 'id', severity: 'left_out', reason: 'A second record with the id haven: the first is at page 1, item 2 (published); this copy was not imported.' }]);
    expect(problemLines(r)).toEqual(['partial page 2: 1 record on page 2 came on an earlier page too: the list may have changed while it was read, so others may have been missed.']);
  });

  it('a record repeated on one page is a duplicate; the read stays whole when the totals agree', async () => {
    routes = { ...pages([[1, ['cafe', 'cafe', 'haven'], { size: 3 }]], 1, 3), ...details(['cafe', 'haven']) };
    const r = await read();
    expect(outcomes(r)).toEqual(['page 1, item 1 cafe imported', 'page 1, item 2 cafe duplicate', 'page 1, item 3 haven imported']);
    expect(r.complete).toBe(true);
  });

  it('the total of services disagrees with what the pages hold', async () => {
    routes = { ...pages([[1, ['cafe', 'haven']], [2, ['sanctuary']]], 2, 5), ...details(['cafe', 'haven', 'sanctuary']) };
    const r = await read();
    expect(r.services).toHaveLength(3);
    expect(problemLines(r)).toEqual(['partial -: The feed says it holds 5 services, but its pages listed 3.']);
  });

  it('the totals change from page to page', async () => {
    routes = { ...pages([[1, ['cafe', 'haven']], [2, ['sanctuary', 'house'], { total_pages: 3, total_items: 5 }], [3, ['helpline'], { total_pages: 3, total_items: 5, last_page: true }]], 2, 4), ...details(['cafe', 'haven', 'sanctuary', 'house', 'helpline']) };
    const r = await read();
    expect(problemLines(r)).toEqual(['partial page 2: Page 1 says the feed has 2 pages, but page 2 says 3.', 'partial page 2: Page 1 says the feed holds 4 services, but page 2 says 5.']);
    // Reading stops at the pages the first page declared; the read is partial, so nothing is withdrawn.
    expect(requests.has('/api/services?page=3')).toBe(false);
    expect(r.complete).toBe(false);
  });

  it('a page says it is the last while the feed declares more: the rest are read too, and the read is partial', async () => {
    routes = { ...pages([[1, ['cafe', 'haven']], [2, ['sanctuary', 'house'], { last_page: true }], [3, ['gone', 'helpline']]], 3, 6), ...details(['cafe', 'haven', 'sanctuary', 'house', 'gone', 'helpline']) };
    const r = await read();
    expect(r.services).toHaveLength(6);
    expect(problemLines(r)).toEqual(['partial page 2: Page 2 says it is the last page, but the feed says it has 3 pages; the rest were read too.']);
  });

  it('the last page the feed declares says it is not the last', async () => {
    routes = { ...pages([[1, ['cafe', 'haven']], [2, ['sanctuary'], { last_page: false }]], 2, 3), ...details(['cafe', 'haven', 'sanctuary']) };
    const r = await read();
    expect(problemLines(r)).toEqual(['partial page 2: Page 2 is the last of the 2 pages the feed declares, but says it is not the last page.']);
  });

  it('an empty page before the last the feed declares (a page missing)', async () => {
    routes = { ...pages([[1, ['cafe', 'haven']], [2, []], [3, ['sanctuary']]], 3, 5), ...details(['cafe', 'haven', 'sanctuary']) };
    const r = await read();
    expect(r.services).toHaveLength(2);
    expect(problemLines(r)).toEqual([
      'partial page 2: Page 2 is empty, but the feed says it has 3 pages.',
      'partial page 2: Page 2 is empty, but says it is not the last page.',
      'partial -: The feed says it holds 5 services, but its pages listed 2.',
    ]);
  });

  it('a page that says it is another page, or the first page twice', async () => {
    routes = { ...pages([[1, ['cafe', 'haven']], [2, ['sanctuary', 'house'], { page_number: 3, first_page: true }]], 2, 4), ...details(['cafe', 'haven', 'sanctuary', 'house']) };
    const r = await read();
    expect(problemLines(r)).toEqual(['partial page 2: Page 2 was asked for, but the answer says it is page 3.', 'partial page 2: Page 2 says it is the first page.']);
  });

  it('a page listing more records than its page size', async () => {
    routes = { ...pages([[1, ['cafe', 'haven', 'sanctuary'], { size: 2 }]], 1, 3), ...details(['cafe', 'haven', 'sanctuary']) };
    expect(problemLines(await read())).toEqual(['partial page 1: Page 1 lists 3 records, more than its page size of 2.']);
  });

  it('a later page without paging information, although page 1 had it', async () => {
    routes = { ...pages([[1, ['cafe', 'haven']]], 2, 3), '/api/services?page=2': (_q, res) => json(res, [listItem('sanctuary')]), ...details(['cafe', 'haven', 'sanctuary']) };
    expect(problemLines(await read())).toEqual(['partial page 2: Page 2 gives no paging information, although page 1 did.']);
  });
});

describe('pages that fail', () => {
  it('a page that fails for good between pages that answer: the rest are read, the read is partial', async () => {
    routes = { ...pages([[1, ['cafe', 'haven']], [3, ['gone', 'helpline']]], 3, 6), '/api/services?page=2': (_q, res) => json(res, { error: 'down' }, 503), ...details(['cafe', 'haven', 'gone', 'helpline']) };
    const r = await read();
    expect(r.records.map((x) => x.place)).toEqual(['page 1, item 1', 'page 1, item 2', 'page 3, item 1', 'page 3, item 2']);
    expect(problemLines(r)).toEqual([
      `partial page 2: Page 2 (${base}services?page=2) could not be read after 3 attempts: the server answered HTTP 503. The services on it were not read.`,
      'partial -: The feed says it holds 6 services, but its pages listed 4.',
    ]);
  });

  it('reports a page that never answers, after its retries, and stops there when it cannot know how many pages there are', async () => {
    routes = { '/api/services?page=1': () => {} };
    const r = await read({ ...fast, timeoutMs: 150, retries: 1 });
    expect(r.services).toEqual([]);
    expect(requests.get('/api/services?page=1')).toBe(2);
    expect(problemLines(r)).toEqual([`partial page 1: Page 1 (${base}services?page=1) could not be read after 2 attempts: no complete answer within 0.15 s. The services on it were not read, and reading stopped there.`]);
  });

  it('says so when the address serves something that is not a service feed, without quoting it', async () => {
    routes = { '/api/services?page=1': (_q, res) => json(res, readOrukJson('oruk-feeds', 'V1_DashboardResponse.json')) };
    const r = await read();
    expect(problemLines(r)).toEqual([expect.stringMatching(/^partial page 1: Page 1 \(.*\): This is the ORUK validator's dashboard of publishers \(11 feeds listed\), not a service feed\./)]);
    expect(JSON.stringify(r.problems)).not.toMatch(/https:\/\/(?!127)/);
  });

  it('says what an HTML error page is, without quoting it', async () => {
    routes = { '/api/services?page=1': (_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Internal admin panel: password=hunter2</body></html>') };
    const r = await read();
    expect(problemLines(r)).toEqual([`partial page 1: Page 1 (${base}services?page=1) could not be read after 1 attempt: the answer is not a JSON document (it is text/html): the document is not valid JSON at about byte 0. The services on it were not read, and reading stopped there.`]);
    expect(JSON.stringify(r)).not.toContain('hunter2');
  });

  it('refuses a page whose declared length is over the limit before reading it, and does not retry it', async () => {
    const body = JSON.stringify(page(1, ['cafe', 'haven'], {}, 1, 2));
    routes = { '/api/services?page=1': (_q, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }).end(body) };
    const r = await read(fast, { limits: { maxPageBytes: 100 } });
    expect(requests.get('/api/services?page=1')).toBe(1);
    expect(problemLines(r)).toEqual([`partial page 1: Page 1 (${base}services?page=1) could not be read after 1 attempt: the answer is ${Buffer.byteLength(body)} bytes, more than the 100 accepted. The services on it were not read, and reading stopped there.`]);
  });

  it('cuts off an answer with no declared length at the limit, however long it goes on', async () => {
    let sent = 0;
    routes = {
      '/api/services?page=1': (_q, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"contents": [');
        // An endless answer: it stops only when the importer hangs up.
        const more = () => {
          if (res.destroyed) return;
          const chunk = `${JSON.stringify(listItem('cafe'))},`.repeat(200);
          sent += chunk.length;
          if (res.write(chunk)) setImmediate(more);
          else res.once('drain', more);
        };
        res.on('close', () => (sent = -sent));
        more();
      },
    };
    const r = await read(fast, { limits: { maxPageBytes: 64 * 1024 } });
    expect(requests.get('/api/services?page=1')).toBe(1);
    expect(problemLines(r)).toEqual([`partial page 1: Page 1 (${base}services?page=1) could not be read after 1 attempt: the answer is more than the 65536 bytes accepted. The services on it were not read, and reading stopped there.`]);
    // The server was hung up on (sent went negative), after little more than the limit (socket buffers).
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent).toBeLessThan(0);
    expect(-sent).toBeLessThan(8 * 1024 * 1024);
  });

  it('reports a server that cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await importFeed({ format: 'api', url: `http://127.0.0.1:${port}/api`, fetch: { ...fast, retries: 1 } }, importOptions());
    expect(r.records).toEqual([]);
    expect(r.problems).toEqual([expect.objectContaining({ where: 'page 1', reason: expect.stringMatching(/a network error \(ECONNREFUSED\)/) })]);
  });

  it('a full record with another id than the one listed is not taken for it', async () => {
    routes = { ...pages([[1, ['cafe']]], 1, 1), '/api/services/cafe': (_q, res) => json(res, RECORDS.haven) };
    const r = await read();
    expect(r.records[0]!.defects[0]!.reason).toBe(`Its full record (${base}services/cafe) is not a single service with the id cafe (it has the id haven); not imported this time (a version published earlier stays).`);
  });

  it('refuses bad options before fetching anything', async () => {
    await expect(importFeed({ format: 'api', url: base, fetch: fast }, importOptions({ source: 'has spaces' }))).rejects.toThrow(TypeError);
    expect(requests.size).toBe(0);
  });
});
