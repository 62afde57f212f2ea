import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer } from '../../../test/support/server-fixtures';
import { openPglite, type Db } from '../db/db';
import { migrate } from '../db/migrations';
import { OVERRIDE_FILE, registerReferenceRoutes, SHIPPED_FILE } from './bank-holidays-route';

const shipped = JSON.parse(readFileSync(SHIPPED_FILE, 'utf8')) as { 'england-and-wales': { events: unknown[] } };

describe('GET /v1/reference/bank-holidays', () => {
  let db: Db;
  const dirs: string[] = [];
  const serverWith = async (override?: string) => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'reference-'));
    dirs.push(dataDir);
    if (override !== undefined) {
      mkdirSync(path.dirname(OVERRIDE_FILE(dataDir)), { recursive: true });
      writeFileSync(OVERRIDE_FILE(dataDir), override);
    }
    return createTestServer(db, [registerReferenceRoutes], { DATA_DIR: dataDir });
  };
  beforeAll(async () => {
    db = await openPglite();
    await migrate(db);
  });
  afterAll(async () => {
    await db.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('serves the list the desk ships, to anyone, with an ETag to revalidate against', async () => {
    const server = await serverWith();
    const r = await server.app.inject({ method: 'GET', url: '/v1/reference/bank-holidays' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.json()).toEqual(shipped);
    const etag = r.headers.etag as string;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const again = await server.app.inject({ method: 'GET', url: '/v1/reference/bank-holidays', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    await server.close();
  });

  it('serves a newer GOV.UK list an operator put in DATA_DIR, and ignores one that is not a list', async () => {
    const newer = { ...shipped, 'england-and-wales': { ...shipped['england-and-wales'], events: [...shipped['england-and-wales'].events, { title: 'Coronation', date: '2031-05-08', notes: '', bunting: true }] } };
    const withNewer = await serverWith(JSON.stringify(newer));
    expect((await withNewer.app.inject({ method: 'GET', url: '/v1/reference/bank-holidays' })).json()).toEqual(newer);
    await withNewer.close();
    const withBroken = await serverWith('{"not": "a list"}');
    expect((await withBroken.app.inject({ method: 'GET', url: '/v1/reference/bank-holidays' })).json()).toEqual(shipped);
    await withBroken.close();
  });
});
