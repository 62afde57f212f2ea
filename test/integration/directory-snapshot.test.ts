/*
 * The server's directory as the desk receives it, over real HTTP from a real PostgreSQL: the
 * snapshot it downloads opens in the desk's DirectoryDb and holds exactly the published services,
 * and a copy of it brought forward with the changes feed (through the shared DirectoryWriter)
 * holds exactly what the next snapshot holds.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryDb, readMeta } from '../../electron/core/directory/directory-db';
import { generateDirectory, loadEnglandSectors } from '../../scripts/synthetic/generate-directory';
import { directoryRoutes } from '../../server/src/directory';
import { publishAndDistribute } from '../../server/src/directory/publisher';
import { META_KEYS } from '../../shared/directory/schema';
import { DirectoryWriter, readServices } from '../../shared/directory/store';
import { DirectoryService } from '../../shared/domain/directory';
import { englandAndWalesCalendar } from '../../shared/lib/bank-holidays';
import { DirectoryChangeLine, DirectoryManifest } from '../../shared/sync/protocol';
import { geoCentroids } from '../support/oruk';
import { createTestServer, USERS, type TestServer } from '../support/server-fixtures';
import { openSeededDatabase, type OpenedDatabase } from '../support/server-databases';

const GEO_DIR = path.resolve(import.meta.dirname, '../../data/geo');

/** Services as JSON carries them (no undefined keys), keyed by id. */
const byId = (services: Iterable<DirectoryService>) =>
  Object.fromEntries([...services].map((s) => [s.id, JSON.parse(JSON.stringify(DirectoryService.parse(s))) as DirectoryService]).sort(([a], [b]) => (a! < b! ? -1 : 1)));

function servicesIn(file: string): Record<string, DirectoryService> {
  const db = new Database(file, { readonly: true });
  try {
    const rowids = (db.prepare('SELECT rowid FROM service').pluck().all() as number[]);
    return byId(readServices(db, rowids).values());
  } finally {
    db.close();
  }
}

describe('the desk opens and brings forward what the server publishes', () => {
  let opened: OpenedDatabase;
  let server: TestServer;
  let base: string;
  let work: string;
  let auth: { authorization: string };

  const manifest = async () => DirectoryManifest.parse(await (await fetch(`${base}/v1/directory/manifest`, { headers: auth })).json());
  async function download(m: DirectoryManifest, file: string): Promise<void> {
    const r = await fetch(`${base}${m.url}`, { headers: auth });
    expect(r.status).toBe(200);
    const bytes = Buffer.from(await r.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(m.sha256);
    writeFileSync(file, bytes);
  }

  beforeAll(async () => {
    opened = await openSeededDatabase('postgres');
    work = mkdtempSync(path.join(tmpdir(), 'directory-desk-'));
    server = await createTestServer(opened.db, [directoryRoutes], { DATA_DIR: path.join(work, 'server') });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    auth = await server.auth(USERS.a1Clinician);
  });
  afterAll(async () => {
    // A response whose last bytes the client already has may still be finishing on the server when
    // close() reaps idle connections; that one would then stay open for the keep-alive timeout.
    const closing = server.close();
    server.app.server.closeAllConnections();
    await closing;
    await opened.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves a snapshot the desk opens, holding exactly the published services; the changes feed brings a copy to the next snapshot', async () => {
    const generated = generateDirectory({ seed: 7, count: 460, sectors: loadEnglandSectors(GEO_DIR) });
    const first = generated.slice(0, 400);
    await publishAndDistribute(server.deps, 'trust-a', first, { source: 'synthetic', complete: true });

    const m1 = await manifest();
    const snapshot1 = path.join(work, 'directory-1.db');
    await download(m1, snapshot1);
    const pristine = path.join(work, 'copy.db');
    copyFileSync(snapshot1, pristine);
    {
      const check = new Database(snapshot1, { readonly: true });
      expect(check.pragma('quick_check', { simple: true })).toBe('ok');
      check.close();
    }

    const desk = DirectoryDb.open(snapshot1, geoCentroids(), englandAndWalesCalendar());
    try {
      expect(desk.info()).toMatchObject({ services: 400, version: String(m1.version), publishedAt: m1.publishedAt });
      expect(desk.cursor()).toBe(m1.cursor);
      const rowids = desk.db.prepare('SELECT rowid FROM service').pluck().all() as number[];
      expect(byId(readServices(desk.db, rowids).values())).toEqual(byId(first));
    } finally {
      desk.db.close();
    }

    // A later publish: 50 changed, 30 withdrawn, 60 new.
    const second = [
      ...first.slice(0, 50).map((s) => ({ ...s, name: `${s.name} (moved)`, phones: [{ number: '0300 123 4567', type: 'public' as const }] })),
      ...first.slice(80),
      ...generated.slice(400),
    ];
    await publishAndDistribute(server.deps, 'trust-a', second, { source: 'synthetic', complete: true });

    const copy = new Database(pristine);
    let cursor = readMeta(copy).get(META_KEYS.cursor)!;
    expect(cursor).toBe(m1.cursor);
    let pages = 0;
    for (let more = true; more; pages++) {
      const r = await fetch(`${base}/v1/directory/changes?limit=50&cursor=${cursor}`, { headers: auth });
      const lines = (await r.text()).trimEnd().split('\n').map((l) => DirectoryChangeLine.parse(JSON.parse(l)));
      const end = lines.pop()!;
      if (end.op !== 'end') throw new Error('no end line');
      copy.transaction(() => {
        const writer = new DirectoryWriter(copy);
        for (const c of lines) {
          if (c.op === 'put') writer.put(c.service, c.version);
          else if (c.op === 'del') writer.delete(c.id);
        }
        copy.prepare('UPDATE meta SET value = ? WHERE key = ?').run(end.cursor, META_KEYS.cursor);
      })();
      cursor = end.cursor;
      more = end.more;
    }
    copy.close();
    expect(pages).toBe(Math.ceil(140 / 50));

    const m2 = await manifest();
    expect(m2.version).toBe(2);
    const snapshot2 = path.join(work, 'directory-2.db');
    await download(m2, snapshot2);
    expect(servicesIn(snapshot2)).toEqual(byId(second));
    expect(servicesIn(pristine)).toEqual(servicesIn(snapshot2));
    expect(readFileSync(snapshot2).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
  });
});
