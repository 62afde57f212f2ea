import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DraftContent } from '../../../shared/domain/call-record';
import { PullResponse, PushResponse, type Mutation } from '../../../shared/sync/protocol';
import { createTestServer, USERS, type TestServer } from '../../../test/support/server-fixtures';
import { completeContent, newRecordId, push, ScriptedDesk, SERVER_DATABASES, withSummary } from '../../../test/support/sync-fixtures';
import type { Db } from '../db/db';
import { syncRoutes } from './sync-routes';

/*
 * The server takes drafts as leniently as the desk saves them (hazard H29: one bad field must not
 * block every save, here or on the way there), and holds finalised records to the clinical limits
 * with a reason the clinician can act on.
 */
describe.each(SERVER_DATABASES)('drafts past their clinical limits, on %s', (_name, open) => {
  let db: Db;
  let drop: () => Promise<void>;
  let server: TestServer;
  beforeAll(async () => {
    ({ db, drop } = await open());
    server = await createTestServer(db, [syncRoutes]);
  });
  afterAll(async () => {
    await server.close();
    await db.close();
    await drop();
  });

  async function pushOk(desk: ScriptedDesk, mutations: Mutation[]): Promise<PushResponse> {
    const r = await push(server, USERS.a1Clinician, desk.request(mutations));
    expect(r.statusCode, r.body).toBe(200);
    return PushResponse.parse(r.json());
  }
  const stored = async (id: string) => (await db.query<{ status: string; revision: number; content: DraftContent }>('SELECT status, revision, content FROM call_record WHERE id = $1', [id]))[0]!;
  const pasted = 'Synthetic pasted text. '.repeat(4348).slice(0, 100_000);

  it('applies a draft with a 100,000-character summary and a date typed unreadably, and the next edit of another field', async () => {
    const desk = new ScriptedDesk();
    const id = newRecordId();
    const draft: DraftContent = { ...withSummary(completeContent(), pasted), typed: { 'caller.dateOfBirth': '31/02/1990' } };
    const edited: DraftContent = { ...draft, risk: { ...draft.risk, formulation: 'Typed after the paste.' } };
    const res = await pushOk(desk, [desk.upsert(id, draft), desk.upsert(id, edited)]);
    expect(res.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    const row = await stored(id);
    expect(row).toMatchObject({ status: 'draft', revision: 2 });
    expect(row.content.presentingNeed.summary).toBe(pasted);
    expect(row.content.risk.formulation).toBe('Typed after the paste.');
    expect(row.content.typed).toEqual({ 'caller.dateOfBirth': '31/02/1990' });

    // The clinician's other desks get it back as it was saved.
    const pulled = await server.app.inject({ method: 'GET', url: '/v1/sync/records', headers: await server.auth(USERS.a1Clinician) });
    const record = PullResponse.parse(pulled.json()).records.find((r) => r.id === id)!;
    expect(record.content).toEqual(edited);
  });

  it('refuses to finalise a record over a clinical limit, naming the field and how much to cut, and goes on with the rest of the batch', async () => {
    const desk = new ScriptedDesk();
    const [id, other] = [newRecordId(), newRecordId()];
    const long = withSummary(completeContent(), pasted);
    const res = await pushOk(desk, [desk.upsert(id, long), desk.finalise(id, long), desk.upsert(other, completeContent())]);
    expect(res.results.map((r) => r.status)).toEqual(['applied', 'rejected', 'applied']);
    expect(res.results[1]!.reason).toBe(
      'The server cannot finalise this record: it is not complete. Presenting need: summary: Too long to finalise: 100,000 characters, and a finalised record holds at most 5,000 here. Shorten it by 95,000; the draft keeps all of it meanwhile.',
    );
    expect(await stored(id)).toMatchObject({ status: 'draft', revision: 1 });

    // Shortened on the desk, it finalises.
    const fixed = withSummary(completeContent(), pasted.slice(0, 5000));
    const again = await pushOk(desk, [desk.upsert(id, fixed, 1), desk.finalise(id, fixed, 2)]);
    expect(again.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect(await stored(id)).toMatchObject({ status: 'finalised' });
  });

  it('refuses to finalise a record whose callback was already overdue when the desk finalised it, or with text typed aside', async () => {
    const desk = new ScriptedDesk();
    const [late, typed] = [newRecordId(), newRecordId()];
    const overdue: DraftContent = { ...completeContent(), callback: { required: true, dueAt: '2026-05-11T20:05:00.000Z', phone: '07700 900456', reason: '', completedAt: null } };
    const unreadable: DraftContent = { ...completeContent(), typed: { 'caller.ageYears': 'about forty' } };
    const res = await pushOk(desk, [desk.finalise(late, overdue), desk.finalise(typed, unreadable)]);
    expect(res.results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(res.results[0]!.reason).toMatch(/Callback due \(London time\): This time has passed/);
    expect(res.results[1]!.reason).toMatch(/Age: Enter the age in whole years/);
    // Made before finalising, the same callback does not stop it.
    const made = { ...overdue, callback: { ...overdue.callback, completedAt: '2026-05-11T20:08:00.000Z' } };
    expect((await pushOk(desk, [desk.finalise(newRecordId(), made)])).results[0]!.status).toBe('applied');
  });
});
