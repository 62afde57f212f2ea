import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeContent, makeTempDir, openTestDesk, randomKey, type TestDesk } from '../../electron/core/calls/test-fixtures';
import { MutationPayload, PushResponse, PullResponse, type Mutation } from '../../shared/sync/protocol';
import { openPglite, type Db } from '../../server/src/db/db';
import { migrate } from '../../server/src/db/migrations';
import { syncRoutes } from '../../server/src/sync/sync-routes';
import { createTestServer, seedTestUsers, USERS, type TestServer } from '../support/server-fixtures';

/*
 * The desk's own outbox, pushed to the server as the sync engine will: proves the server accepts
 * exactly what a desk produces (content hashes, addendum hashes, coalesced upserts, seqs).
 */

interface OutboxRow {
  seq: number;
  mutation_id: string;
  record_id: string;
  payload: string;
  base_revision: number | null;
  desk_time: string;
}

describe('a desk’s outbox pushed to the server', () => {
  let db: Db;
  let server: TestServer;
  let tmp: ReturnType<typeof makeTempDir>;
  let desk: TestDesk;
  beforeAll(async () => {
    db = await openPglite();
    await migrate(db);
    await seedTestUsers(db);
    server = await createTestServer(db, [syncRoutes]);
    tmp = makeTempDir();
    desk = openTestDesk(tmp.dir, randomKey());
  });
  afterAll(async () => {
    desk.close();
    tmp.remove();
    await server.close();
    await db.close();
  });

  const outbox = (): Mutation[] =>
    (desk.desk.db.prepare('SELECT seq, mutation_id, record_id, payload, base_revision, desk_time FROM outbox ORDER BY seq').all() as OutboxRow[]).map((r) => ({
      seq: r.seq,
      mutationId: r.mutation_id,
      recordId: r.record_id,
      baseRevision: r.base_revision,
      deskTime: r.desk_time,
      payload: MutationPayload.parse(JSON.parse(r.payload)),
    }));

  it('applies every change a desk makes: drafts, finalising, addenda and discards', async () => {
    const kept = desk.calls.create({});
    desk.calls.save({ id: kept.id, revision: 1, content: completeContent(kept.content.startedAt) });
    const finalised = desk.calls.finalise({ id: kept.id, revision: 2 });
    desk.calls.addAddendum({ id: kept.id, text: 'Called back the next morning: safe and well.' });
    const dropped = desk.calls.create({});
    desk.calls.discard({ id: dropped.id, revision: 1, reason: 'Opened by mistake.' });

    const mutations = outbox();
    expect(mutations.map((m) => m.payload.kind)).toEqual(['upsert', 'finalise', 'addendum', 'upsert', 'discard']);
    const r = await server.app.inject({ method: 'POST', url: '/v1/sync/push', payload: { clientId: desk.desk.clientId, mutations, pending: 0 }, headers: await server.auth(USERS.a1Clinician) });
    expect(r.statusCode, r.body).toBe(200);
    const res = PushResponse.parse(r.json());
    expect(res.results.map((x) => [x.status, x.reason])).toEqual(mutations.map(() => ['applied', null]));

    const pulled = PullResponse.parse((await server.app.inject({ method: 'GET', url: '/v1/sync/records', headers: await server.auth(USERS.a1Clinician) })).json());
    const onServer = pulled.records.find((x) => x.id === kept.id)!;
    expect(onServer).toMatchObject({ status: 'finalised', contentHash: finalised.contentHash, content: finalised.content });
    expect(onServer.addenda.map((a) => a.text)).toEqual(['Called back the next morning: safe and well.']);
    expect(pulled.records.find((x) => x.id === dropped.id)).toMatchObject({ status: 'discarded', discardReason: 'Opened by mistake.' });
  });
});
