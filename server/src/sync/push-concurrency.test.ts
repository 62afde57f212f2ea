import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PullResponse, PushResponse, type PushRequest } from '../../../shared/sync/protocol';
import { createTestServer, USERS, type TestServer, type TestUser } from '../../../test/support/server-fixtures';
import { completeContent, newRecordId, ScriptedDesk, SERVER_DATABASES, withSummary } from '../../../test/support/sync-fixtures';
import type { Db } from '../db/db';
import { syncRoutes } from './sync-routes';

/*
 * Desks pushing at the same moment, over real HTTP on loopback into a real PostgreSQL with a pool
 * of connections: the cases where row locks, unique keys and commit order decide the outcome.
 */
describe('concurrent pushes on PostgreSQL', () => {
  const [, openPostgres] = SERVER_DATABASES.find(([name]) => name === 'PostgreSQL')!;
  let db: Db;
  let drop: () => Promise<void>;
  let server: TestServer;
  let baseUrl: string;
  beforeAll(async () => {
    ({ db, drop } = await openPostgres());
    server = await createTestServer(db, [syncRoutes]);
    baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await db.close();
    await drop();
  });

  async function post(user: TestUser, body: PushRequest): Promise<{ status: number; body: PushResponse }> {
    const res = await fetch(`${baseUrl}/v1/sync/push`, { method: 'POST', headers: { ...(await server.auth(user)), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json: unknown = await res.json();
    expect(res.status, JSON.stringify(json)).toBe(200);
    return { status: res.status, body: PushResponse.parse(json) };
  }

  async function pull(user: TestUser, cursor: string | null): Promise<PullResponse> {
    const res = await fetch(`${baseUrl}/v1/sync/records?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { headers: await server.auth(user) });
    expect(res.status).toBe(200);
    return PullResponse.parse(await res.json());
  }

  const summaryOf = async (id: string) =>
    (await db.query<{ s: string }>("SELECT content#>>'{presentingNeed,summary}' AS s FROM call_record WHERE id = $1", [id]))[0]?.s;

  it('two desks creating the same record at once: one is applied, the other told of the conflict, and only the first text is stored', async () => {
    for (let round = 0; round < 10; round++) {
      const [deskA, deskB] = [new ScriptedDesk(), new ScriptedDesk()];
      const id = newRecordId();
      const [a, b] = await Promise.all([
        post(USERS.a1Clinician, deskA.request([deskA.upsert(id, withSummary(completeContent(), 'from A'))])),
        post(USERS.a1Clinician, deskB.request([deskB.upsert(id, withSummary(completeContent(), 'from B'))])),
      ]);
      const answers = [a.body.results[0]!, b.body.results[0]!];
      expect(answers.map((r) => r.status).sort()).toEqual(['applied', 'conflict']);
      const winner = answers[0]!.status === 'applied' ? 'from A' : 'from B';
      const loser = answers.find((r) => r.status === 'conflict')!;
      expect(loser.serverContent!.presentingNeed.summary).toBe(winner);
      expect(await summaryOf(id)).toBe(winner);
    }
  });

  it('two desks changing the same draft at once from the same revision: one applied, one conflict, nothing overwritten', async () => {
    for (let round = 0; round < 10; round++) {
      const [deskA, deskB, origin] = [new ScriptedDesk(), new ScriptedDesk(), new ScriptedDesk()];
      const id = newRecordId();
      await post(USERS.a1Clinician, origin.request([origin.upsert(id, withSummary(completeContent(), 'original'))]));
      const [a, b] = await Promise.all([
        post(USERS.a1Clinician, deskA.request([deskA.upsert(id, withSummary(completeContent(), 'edit A'), 1)])),
        post(USERS.a1Clinician, deskB.request([deskB.upsert(id, withSummary(completeContent(), 'edit B'), 1)])),
      ]);
      const statuses = [a.body.results[0]!.status, b.body.results[0]!.status];
      expect(statuses.sort()).toEqual(['applied', 'conflict']);
      expect(await summaryOf(id)).toBe(a.body.results[0]!.status === 'applied' ? 'edit A' : 'edit B');
    }
  });

  it('desks of different clinicians and trusts pushing different records at once are all applied', async () => {
    const users = [USERS.a1Clinician, USERS.a1Clinician2, USERS.a2Clinician, USERS.b1Clinician];
    const desks = users.map(() => new ScriptedDesk());
    const ids = users.map(() => Array.from({ length: 25 }, newRecordId));
    const results = await Promise.all(users.map((u, i) => post(u, desks[i]!.request(ids[i]!.map((id) => desks[i]!.upsert(id, completeContent()))))));
    expect(results.flatMap((r) => r.body.results.map((x) => x.status)).every((s) => s === 'applied')).toBe(true);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM call_record WHERE id = ANY($1::uuid[])', [ids.flat()]))[0]!.n).toBe(100);
  });

  it('the same batch sent twice at once (a retry racing the original) is applied once: the other answer is all duplicates', async () => {
    const desk = new ScriptedDesk();
    const id = newRecordId();
    const batch = desk.request([desk.upsert(id, completeContent()), desk.addendum(newRecordId(), 'x'), desk.upsert(id, withSummary(completeContent(), 'second'))]);
    const [a, b] = await Promise.all([post(USERS.a1Clinician, batch), post(USERS.a1Clinician, batch)]);
    const all = [a.body.results.map((r) => r.status), b.body.results.map((r) => r.status)].sort();
    expect(all).toEqual([['applied', 'rejected', 'applied'], ['duplicate', 'duplicate', 'duplicate']]);
    expect((await db.query('SELECT revision FROM call_record WHERE id = $1', [id]))[0]).toEqual({ revision: 2 });
  });

  it('a team lead pulling while many desks push sees every record, none skipped by a slower commit', async () => {
    const clinicians = [USERS.a1Clinician, USERS.a1Clinician2];
    const desks = Array.from({ length: 8 }, (_, i) => ({ user: clinicians[i % 2]!, desk: new ScriptedDesk() }));
    const written: string[] = [];
    const seen = new Set<string>();
    let cursor: string | null = null;
    const pullOnce = async () => {
      const page = await pull(USERS.a1Lead, cursor);
      for (const r of page.records) seen.add(r.id);
      cursor = page.cursor;
      return page;
    };
    let pushing = true;
    const pullLoop = (async () => {
      while (pushing) await pullOnce();
    })();
    await Promise.all(
      desks.map(async ({ user, desk }) => {
        for (let round = 0; round < 8; round++) {
          // Each record is written once: a change the cursor skipped would never come back in a later change.
          const ids = Array.from({ length: 20 }, newRecordId);
          written.push(...ids);
          await post(user, desk.request(ids.map((id) => desk.upsert(id, completeContent()))));
        }
      }),
    );
    pushing = false;
    await pullLoop;
    while ((await pullOnce()).more);
    expect(written.filter((id) => !seen.has(id))).toEqual([]);
  });
});
