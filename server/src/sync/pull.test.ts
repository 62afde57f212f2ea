import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PullResponse, type ServerCallRecord } from '../../../shared/sync/protocol';
import { createTestServer, USERS, type TestServer, type TestUser } from '../../../test/support/server-fixtures';
import { completeContent, newRecordId, push, ScriptedDesk, SERVER_DATABASES, withSummary } from '../../../test/support/sync-fixtures';
import type { Db } from '../db/db';
import { contentHashOf } from './hashes';
import { syncRoutes } from './sync-routes';

describe.each(SERVER_DATABASES)('pull on %s', (_name, open) => {
  let db: Db;
  let drop: () => Promise<void>;
  let server: TestServer;
  /** Record ids by the clinician who wrote them. */
  const written = new Map<string, string[]>();
  let finalisedId: string;

  beforeAll(async () => {
    ({ db, drop } = await open());
    server = await createTestServer(db, [syncRoutes]);
    for (const user of [USERS.a1Clinician, USERS.a1Clinician2, USERS.a2Clinician, USERS.b1Clinician]) {
      const desk = new ScriptedDesk();
      const ids = [newRecordId(), newRecordId(), newRecordId()];
      written.set(user.userId, ids);
      const r = await push(server, user, desk.request(ids.map((id) => desk.upsert(id, withSummary(completeContent(), `by ${user.userId}`)))));
      expect(r.statusCode).toBe(200);
    }
    const desk = new ScriptedDesk();
    finalisedId = written.get('a1-clin')![0]!;
    const content = completeContent();
    const r = await push(server, USERS.a1Clinician, desk.request([desk.upsert(finalisedId, content, 1), desk.finalise(finalisedId, content, 2), desk.addendum(finalisedId, 'Called back: safe.')]));
    expect(r.json().results.map((x: { status: string }) => x.status)).toEqual(['applied', 'applied', 'applied']);
  });
  afterAll(async () => {
    await server.close();
    await db.close();
    await drop();
  });

  async function pull(user: TestUser, query = '') {
    return server.app.inject({ method: 'GET', url: `/v1/sync/records${query}`, headers: await server.auth(user) });
  }

  async function pullAll(user: TestUser, limit = 2): Promise<ServerCallRecord[]> {
    const records: ServerCallRecord[] = [];
    let cursor = '';
    for (;;) {
      const r = await pull(user, `?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.statusCode, r.body).toBe(200);
      const page = PullResponse.parse(r.json());
      records.push(...page.records);
      cursor = page.cursor;
      if (!page.more) return records;
    }
  }

  const ids = (records: ServerCallRecord[]) => records.map((r) => r.id).sort();

  it('gives a clinician their own records only, and a team lead their team’s, never another trust’s', async () => {
    expect(ids(await pullAll(USERS.a1Clinician))).toEqual([...written.get('a1-clin')!].sort());
    expect(ids(await pullAll(USERS.a2Clinician))).toEqual([...written.get('a2-clin')!].sort());
    expect(ids(await pullAll(USERS.a1Lead))).toEqual([...written.get('a1-clin')!, ...written.get('a1-clin2')!].sort());
    expect(ids(await pullAll(USERS.b1Lead))).toEqual([...written.get('b1-clin')!].sort());
    expect(ids(await pullAll(USERS.b1Clinician))).toEqual([...written.get('b1-clin')!].sort());
  });

  it('refuses admins (no clinical records) and callers without a token', async () => {
    expect((await pull(USERS.aAdmin)).statusCode).toBe(403);
    expect((await server.app.inject({ method: 'GET', url: '/v1/sync/records' })).statusCode).toBe(401);
  });

  it('includes the finalised state and its addenda', async () => {
    const record = (await pullAll(USERS.a1Clinician)).find((r) => r.id === finalisedId)!;
    const a1 = { userId: 'a1-clin', displayName: 'a1-clin' };
    expect(record).toMatchObject({ status: 'finalised', revision: 3, clinicianId: 'a1-clin', teamId: 'team-a1', contentHash: contentHashOf(record.content) });
    expect(record).toMatchObject({ createdBy: a1, updatedBy: a1, finalisedBy: a1, discardedBy: null });
    expect(record.addenda).toEqual([
      { id: expect.any(String), text: 'Called back: safe.', createdAt: expect.any(String), contentHash: expect.stringMatching(/^[0-9a-f]{64}$/), callbackMadeAt: null, author: a1 },
    ]);
  });

  it('returns only what changed since the cursor, including a record that only gained an addendum', async () => {
    const start = PullResponse.parse((await pull(USERS.a1Clinician, '?limit=1000')).json());
    expect(start.more).toBe(false);
    const none = PullResponse.parse((await pull(USERS.a1Clinician, `?cursor=${start.cursor}`)).json());
    expect(none).toEqual({ records: [], cursor: start.cursor, more: false });

    const desk = new ScriptedDesk();
    const edited = written.get('a1-clin')![1]!;
    await push(server, USERS.a1Clinician, desk.request([desk.upsert(edited, withSummary(completeContent(), 'edited'), 1), desk.addendum(finalisedId, 'Second note.')]));
    const since = PullResponse.parse((await pull(USERS.a1Clinician, `?cursor=${start.cursor}`)).json());
    expect(since.records.map((r) => r.id).sort()).toEqual([edited, finalisedId].sort());
    expect(since.records.find((r) => r.id === finalisedId)!.addenda.map((a) => a.text)).toEqual(['Called back: safe.', 'Second note.']);
    // Nothing about these changes reaches another clinician or another trust.
    expect(PullResponse.parse((await pull(USERS.b1Lead, `?cursor=${start.cursor}`)).json()).records).toEqual([]);
  });

  it('refuses a cursor it did not give out, and a limit out of range, with 400', async () => {
    for (const q of ['?cursor=bm9uc2Vuc2U', '?cursor=%00', '?limit=0', '?limit=1001', '?limit=abc']) {
      const r = await pull(USERS.a1Clinician, q);
      expect(r.statusCode, q).toBe(400);
      expect(r.json().message).toMatch(/cursor|limit/);
    }
  });

  it('gives the record’s clinician a teammate’s addendum, under the teammate’s name and display name', async () => {
    await db.query("UPDATE app_user SET display_name = 'Night Clinician (test)' WHERE id = 'a1-clin2'");
    const start = PullResponse.parse((await pull(USERS.a1Clinician, '?limit=1000')).json());
    const desk = new ScriptedDesk();
    const r = await push(server, USERS.a1Clinician2, desk.request([desk.addendum(finalisedId, 'Synthetic: callback made on the night shift.')]));
    expect(r.json().results[0].status).toBe('applied');
    const since = PullResponse.parse((await pull(USERS.a1Clinician, `?cursor=${start.cursor}`)).json());
    expect(since.records.map((x) => x.id)).toEqual([finalisedId]);
    expect(since.records[0]!.addenda.at(-1)).toMatchObject({ text: 'Synthetic: callback made on the night shift.', author: { userId: 'a1-clin2', displayName: 'Night Clinician (test)' } });
    expect(since.records[0]!.finalisedBy).toEqual({ userId: 'a1-clin', displayName: 'a1-clin' });
  });
});
