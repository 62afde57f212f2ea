/*
 * A full disk met by sync (hazard H30): a desk whose desk.db has no room for another page (SQLite's
 * own SQLITE_FULL, as on a full disk) pulls a record another desk wrote. The clinician is told the
 * disk is full and what to do, sync keeps trying, and once there is room the record arrives.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeModules } from '../../server/src/routes';
import type { CallRecord, CallSummary } from '../../shared/domain/call-record';
import { TestDesk, TestTokens, waitFor } from '../support/desk-harness';
import { createTestServer, USERS, type TestServer } from '../support/server-fixtures';
import { openSeededDatabase, type OpenedDatabase } from '../support/server-databases';

describe('sync on a full disk', () => {
  let opened: OpenedDatabase;
  let server: TestServer;
  let base: string;
  const desks: TestDesk[] = [];
  const newDesk = () => {
    const desk = new TestDesk({ serverUrl: base, tokens: new TestTokens(server.tokenFor, USERS.a1Clinician), timeoutMs: 5000, idleTimeoutMs: 5000, backoff: { baseMs: 50, capMs: 300 } });
    desks.push(desk);
    return desk;
  };

  beforeAll(async () => {
    opened = await openSeededDatabase('pglite');
    server = await createTestServer(opened.db, routeModules);
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const d of desks) d.close();
    await server.close();
    await opened.close();
  });

  it('says the disk is full and what to do, keeps trying, and stores the record once there is room', async () => {
    const full = newDesk();
    const warnings: { code: string; message: string }[] = [];
    full.core.on('core.warning', (w) => warnings.push(w));
    await waitFor('a first pull', () => full.status().lastSyncedAt !== null);
    // Not a page more, and every byte of the pages there taken: the next write finds no room.
    const db = full.core.desk.db;
    db.exec('CREATE TABLE test_filler (x BLOB)');
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const fill = db.prepare('INSERT INTO test_filler VALUES (randomblob(?))');
    for (const size of [4096, 512, 64, 8, 1]) {
      try {
        for (;;) fill.run(size);
      } catch (e) {
        if ((e as { code?: string }).code !== 'SQLITE_FULL') throw e;
      }
    }

    const other = newDesk();
    const draft = await other.createDraft(`Synthetic: written on another desk. ${'x'.repeat(30_000)}`);
    full.core.sync!.kickAll();
    const warning = await waitFor('the full-disk warning', () => warnings[0]);
    expect(warning).toEqual({
      code: 'storage_full',
      message: 'The disk is full, so updates from the server (records and the directory) cannot be stored on this desk. To fix it, free some space on this computer (empty the Downloads folder and the recycle bin) or call IT. What this desk has saved is not lost.',
    });
    // What could not be stored is not there (the empty draft it began as may be: it fitted in a page's slack).
    const summaryOnFull = async () =>
      (await full.call<CallSummary[]>('calls.list', {})).some((s) => s.id === draft.id) ? (await full.call<CallRecord>('calls.get', { id: draft.id })).content.presentingNeed.summary : null;
    expect((await summaryOnFull()) ?? '').not.toMatch(/^Synthetic: written on another desk/);

    db.exec('DROP TABLE test_filler');
    db.pragma('max_page_count = 1073741823');
    full.core.sync!.kickAll();
    await waitFor('the record, once there is room', async () => /^Synthetic: written on another desk/.test((await summaryOnFull()) ?? ''));
    // Said once, not at every retry.
    expect(warnings).toHaveLength(1);
  });
});
