import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PushResponse, type Mutation, type PushItemResult } from '../../../shared/sync/protocol';
import { createTestServer, USERS, type TestServer, type TestUser } from '../../../test/support/server-fixtures';
import { completeContent, newRecordId, push, ScriptedDesk, SERVER_DATABASES, withSummary } from '../../../test/support/sync-fixtures';
import type { Db } from '../db/db';
import { REASONS } from './apply-mutation';
import { contentHashOf } from './hashes';
import { syncRoutes } from './sync-routes';

describe.each(SERVER_DATABASES)('push on %s', (_name, open) => {
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

  async function pushOk(user: TestUser, desk: ScriptedDesk, mutations: Mutation[], pending?: number): Promise<PushResponse> {
    const r = await push(server, user, desk.request(mutations, pending));
    expect(r.statusCode, r.body).toBe(200);
    return PushResponse.parse(r.json());
  }
  const statuses = (r: PushResponse) => r.results.map((i) => i.status);
  const row = async (id: string) =>
    (await db.query<{ status: string; revision: number; content: { presentingNeed: { summary: string } }; team_id: string; clinician_id: string; content_hash: string | null }>(
      "SELECT status, revision, content, team_id, clinician_id, content_hash FROM call_record WHERE id = $1 AND trust_id = 'trust-a'",
      [id],
    ))[0];
  const summaryOf = async (id: string) => (await row(id))?.content.presentingNeed.summary;
  const count = async (sql: string, params: unknown[]) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params))[0]!.n;

  it('creates records owned by the pushing clinician and team, and keeps what the desk reports waiting', async () => {
    const desk = new ScriptedDesk();
    const [a, b] = [newRecordId(), newRecordId()];
    const res = await pushOk(USERS.a1Clinician, desk, [desk.upsert(a, completeContent()), desk.upsert(b, completeContent())], 7);
    expect(res).toEqual({
      lastSeq: 2,
      results: [
        { seq: 1, mutationId: expect.any(String), status: 'applied', serverRevision: 1, reason: null, serverContent: null },
        { seq: 2, mutationId: expect.any(String), status: 'applied', serverRevision: 1, reason: null, serverContent: null },
      ],
    });
    expect(await row(a)).toMatchObject({ status: 'draft', revision: 1, team_id: 'team-a1', clinician_id: 'a1-clin' });
    const [client] = await db.query<{ user_id: string; last_seq: number; reported_pending: number; last_seen_at: Date | null }>(
      'SELECT user_id, last_seq, reported_pending, last_seen_at FROM sync_client WHERE client_id = $1',
      [desk.clientId],
    );
    expect(client).toMatchObject({ user_id: 'a1-clin', last_seq: 2, reported_pending: 7 });
    expect(client!.last_seen_at).toBeInstanceOf(Date);
  });

  it('tells where its time went in the answer’s Server-Timing header (durations only), and only on an applied batch', async () => {
    const desk = new ScriptedDesk();
    const r = await push(server, USERS.a1Clinician, desk.request([desk.upsert(newRecordId(), completeContent())]));
    expect(r.statusCode, r.body).toBe(200);
    const parts = String(r.headers['server-timing']).split(', ').map((p) => /^(\w+);dur=(\d+\.\d)$/.exec(p));
    expect(parts.map((m) => m?.[1])).toEqual(['auth', 'body', 'validate', 'apply', 'answer', 'total']);
    const ms = Object.fromEntries(parts.map((m) => [m![1]!, Number(m![2])]));
    expect(ms.apply).toBeGreaterThan(0);
    // The parts add up to the whole (each rounded to 0.1 ms).
    expect(Math.abs(ms.auth! + ms.body! + ms.validate! + ms.apply! + ms.answer! - ms.total!)).toBeLessThanOrEqual(0.3);
    const refused = await push(server, USERS.a1Clinician, { clientId: 'not-a-client-id', mutations: [] });
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['server-timing']).toBeUndefined();
  });

  it('answers the same push twice: the second time every item is a duplicate with the first answer, and nothing happens twice', async () => {
    const desk = new ScriptedDesk();
    const id = newRecordId();
    const content = completeContent();
    const batch = [desk.upsert(id, content), desk.finalise(id, content), desk.addendum(id, 'Called back: safe.'), desk.upsert(id, withSummary(content, 'after finalising'))];
    const first = await pushOk(USERS.a1Clinician, desk, batch);
    expect(statuses(first)).toEqual(['applied', 'applied', 'applied', 'rejected']);
    const again = await pushOk(USERS.a1Clinician, desk, batch);
    expect(statuses(again)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(again.results.map((r) => [r.original, r.serverRevision])).toEqual([['applied', 1], ['applied', 2], ['applied', 2], ['rejected', null]]);
    expect(again.results[3]!.reason).toBe(REASONS.finalised);
    expect(again.lastSeq).toBe(4);
    expect(await row(id)).toMatchObject({ status: 'finalised', revision: 2 });
    expect(await count('call_addendum WHERE record_id = $1', [id])).toBe(1);
    expect(await count('applied_mutation WHERE client_id = $1', [desk.clientId])).toBe(4);
  });

  it('replays a push whose response was lost, together with newer changes: old ones are duplicates, new ones applied', async () => {
    const desk = new ScriptedDesk();
    const id = newRecordId();
    const lost = [desk.upsert(id, withSummary(completeContent(), 'one')), desk.upsert(id, withSummary(completeContent(), 'two')), desk.upsert(id, withSummary(completeContent(), 'three'))];
    await push(server, USERS.a1Clinician, desk.request(lost)); // the answer never reaches the desk
    const more = [desk.upsert(id, withSummary(completeContent(), 'four')), desk.discard(id, 'Duplicate of another call.')];
    const res = await pushOk(USERS.a1Clinician, desk, [...lost, ...more]);
    expect(statuses(res)).toEqual(['duplicate', 'duplicate', 'duplicate', 'applied', 'applied']);
    expect(res.results.map((r) => r.serverRevision)).toEqual([1, 2, 3, 4, 5]);
    expect(await row(id)).toMatchObject({ status: 'discarded', revision: 5 });
    expect(await summaryOf(id)).toBe('four');
  });

  it('refuses a batch that skips seqs with 409 and the seq to send from, applying none of it', async () => {
    const desk = new ScriptedDesk();
    const id = newRecordId();
    await pushOk(USERS.a1Clinician, desk, [desk.upsert(id, withSummary(completeContent(), 'kept'))]);
    desk.mutation(id, { kind: 'upsert', content: completeContent() }); // seq 2 never sent
    const r = await push(server, USERS.a1Clinician, desk.request([desk.upsert(id, withSummary(completeContent(), 'not applied')), desk.upsert(newRecordId(), completeContent())]));
    expect(r.statusCode).toBe(409);
    expect(r.json()).toEqual({ error: 'seq_gap', message: expect.stringContaining('from change 2'), expectedSeq: 2 });
    expect(await summaryOf(id)).toBe('kept');
    expect((await db.query('SELECT last_seq FROM sync_client WHERE client_id = $1', [desk.clientId]))[0]).toEqual({ last_seq: 1 });
    expect(await count('applied_mutation WHERE client_id = $1', [desk.clientId])).toBe(1);

    // A new desk must start at 1; its refused first batch does not even claim the client id.
    const fresh = new ScriptedDesk();
    fresh.mutation(id, { kind: 'upsert', content: completeContent() });
    const r2 = await push(server, USERS.a1Clinician, fresh.request([fresh.upsert(newRecordId(), completeContent())]));
    expect(r2.json()).toMatchObject({ error: 'seq_gap', expectedSeq: 1 });
    expect(await count('sync_client WHERE client_id = $1', [fresh.clientId])).toBe(0);
  });

  it('refuses a different change under an applied seq, and a reused mutation id, without applying either', async () => {
    const desk = new ScriptedDesk();
    const id = newRecordId();
    const first = desk.upsert(id, withSummary(completeContent(), 'first'));
    await pushOk(USERS.a1Clinician, desk, [first]);
    const impostor = { ...first, mutationId: newRecordId(), payload: { kind: 'upsert' as const, content: withSummary(completeContent(), 'impostor') } };
    const reusedId = { ...desk.upsert(id, withSummary(completeContent(), 'reused id')), mutationId: first.mutationId };
    const res = await pushOk(USERS.a1Clinician, desk, [impostor, reusedId]);
    expect(res.results.map((r) => [r.status, r.original])).toEqual([['rejected', undefined], ['rejected', undefined]]);
    expect(res.results[0]!.reason).toMatch(/different change under this sequence number/);
    expect(res.results[1]!.reason).toMatch(/id of a change the server already holds/);
    expect(await summaryOf(id)).toBe('first');
    // A replay of the refused seq gets the same refusal.
    const replay = await pushOk(USERS.a1Clinician, desk, [reusedId]);
    expect(replay.results[0]).toMatchObject({ status: 'duplicate', original: 'rejected', reason: res.results[1]!.reason });
  });

  it('refuses a batch whose seqs do not follow one another, or that repeats a mutation, as malformed', async () => {
    const desk = new ScriptedDesk();
    const [m1, , m3] = [desk.upsert(newRecordId(), completeContent()), desk.upsert(newRecordId(), completeContent()), desk.upsert(newRecordId(), completeContent())];
    const gap = await push(server, USERS.a1Clinician, desk.request([m1, m3]));
    expect(gap.statusCode).toBe(400);
    expect(gap.json().message).toMatch(/^mutations\.1\.seq/);
    const repeated = await push(server, USERS.a1Clinician, desk.request([m1, { ...m3, seq: 2, mutationId: m1.mutationId }]));
    expect(repeated.statusCode).toBe(400);
    expect(await count('sync_client WHERE client_id = $1', [desk.clientId])).toBe(0);
  });

  it('keeps both versions when another desk changed the draft since the base revision, without blocking the rest of the batch', async () => {
    const deskA = new ScriptedDesk();
    const deskB = new ScriptedDesk();
    const id = newRecordId();
    const other = newRecordId();
    await pushOk(USERS.a1Clinician, deskA, [deskA.upsert(id, withSummary(completeContent(), 'written on desk A'))]);
    const res = await pushOk(USERS.a1Clinician, deskB, [
      deskB.upsert(id, withSummary(completeContent(), 'written on desk B'), null),
      deskB.upsert(other, completeContent()),
    ]);
    expect(statuses(res)).toEqual(['conflict', 'applied']);
    const conflict = res.results[0]!;
    expect(conflict).toMatchObject({ serverRevision: 1, reason: REASONS.conflict });
    expect(conflict.serverContent!.presentingNeed.summary).toBe('written on desk A');
    expect(await row(id)).toMatchObject({ revision: 1 });
    expect(await summaryOf(id)).toBe('written on desk A');

    // Desk A's own later change never conflicts with itself, whatever base it names.
    expect(statuses(await pushOk(USERS.a1Clinician, deskA, [deskA.upsert(id, withSummary(completeContent(), 'A again'), null)]))).toEqual(['applied']);
    // Desk B's clinician chooses, on the revision the server now holds.
    const chosen = await pushOk(USERS.a1Clinician, deskB, [deskB.upsert(id, withSummary(completeContent(), 'chosen on desk B'), 2)]);
    expect(chosen.results[0]).toMatchObject({ status: 'applied', serverRevision: 3 });
    expect(await summaryOf(id)).toBe('chosen on desk B');
  });

  it('repeats a conflict on a replay, with the record as it stands, so a desk that lost the answer still keeps both', async () => {
    const deskA = new ScriptedDesk();
    const deskB = new ScriptedDesk();
    const id = newRecordId();
    await pushOk(USERS.a1Clinician, deskA, [deskA.upsert(id, withSummary(completeContent(), 'A'))]);
    const batch = [deskB.upsert(id, withSummary(completeContent(), 'B'))];
    await pushOk(USERS.a1Clinician, deskB, batch);
    await pushOk(USERS.a1Clinician, deskA, [deskA.upsert(id, withSummary(completeContent(), 'A2'))]);
    const replay = (await pushOk(USERS.a1Clinician, deskB, batch)).results[0]!;
    expect(replay).toMatchObject({ status: 'duplicate', original: 'conflict', reason: REASONS.conflict, serverRevision: 2 });
    expect(replay.serverContent!.presentingNeed.summary).toBe('A2');
  });

  it('never changes a finalised record through the API, and the database refuses it too', async () => {
    const desk = new ScriptedDesk();
    const id = newRecordId();
    const content = completeContent();
    await pushOk(USERS.a1Clinician, desk, [desk.upsert(id, content), desk.finalise(id, content)]);
    const later = newRecordId();
    const res = await pushOk(USERS.a1Clinician, desk, [
      desk.upsert(id, withSummary(content, 'changed'), 2),
      desk.finalise(id, withSummary(content, 'changed'), 2),
      desk.discard(id, 'x', 2),
      desk.finalise(id, content, 2),
      desk.upsert(later, completeContent()),
    ]);
    expect(res.results.map((r: PushItemResult) => [r.status, r.reason])).toEqual([
      ['rejected', REASONS.finalised],
      ['rejected', REASONS.finalised],
      ['rejected', REASONS.finalised],
      ['applied', null],
      ['applied', null],
    ]);
    expect(await row(id)).toMatchObject({ status: 'finalised', revision: 2, content_hash: contentHashOf(content) });

    await expect(db.query(`UPDATE call_record SET content = jsonb_set(content, '{presentingNeed,summary}', '"edited in SQL"') WHERE id = $1`, [id])).rejects.toThrow(/immutable/);
    await expect(db.query(`UPDATE call_record SET status = 'draft', content_hash = NULL, finalised_at = NULL WHERE id = $1`, [id])).rejects.toThrow(/immutable/);
    await expect(db.query('DELETE FROM call_record WHERE id = $1', [id])).rejects.toThrow(/never deleted/);
    expect(await summaryOf(id)).toBe(content.presentingNeed.summary);
  });

  it('refuses to finalise content that does not match its hash, or that is not complete, and keeps the draft', async () => {
    const desk = new ScriptedDesk();
    const id = newRecordId();
    const content = completeContent();
    const res = await pushOk(USERS.a1Clinician, desk, [
      desk.upsert(id, content),
      desk.finalise(id, withSummary(content, 'altered in transit'), null, contentHashOf(content)),
      desk.finalise(id, { ...content, caller: { ...content.caller, type: null } }),
    ]);
    expect(res.results.map((r) => r.status)).toEqual(['applied', 'rejected', 'rejected']);
    expect(res.results[1]!.reason).toBe(REASONS.hashMismatch);
    expect(res.results[2]!.reason).toMatch(/not complete\. Who called: Say who called\./);
    expect(await row(id)).toMatchObject({ status: 'draft', revision: 1, content_hash: null });
  });

  it('adds addenda to finalised records only, and discards only drafts', async () => {
    const desk = new ScriptedDesk();
    const [draftId, finalId] = [newRecordId(), newRecordId()];
    const content = completeContent();
    const res = await pushOk(USERS.a1Clinician, desk, [
      desk.upsert(draftId, content),
      desk.addendum(draftId, 'Too early'),
      desk.finalise(finalId, content),
      desk.addendum(finalId, 'Called back next morning.'),
      desk.discard(finalId),
      desk.discard(draftId, 'Test call'),
      desk.upsert(draftId, content),
    ]);
    expect(res.results.map((r) => [r.status, r.reason])).toEqual([
      ['applied', null],
      ['rejected', REASONS.addendumOnDraft],
      ['applied', null],
      ['applied', null],
      ['rejected', REASONS.finalised],
      ['applied', null],
      ['rejected', REASONS.discarded],
    ]);
    expect(await row(draftId)).toMatchObject({ status: 'discarded', revision: 2 });
    expect(await db.query('SELECT text FROM call_addendum WHERE record_id = $1', [finalId])).toEqual([{ text: 'Called back next morning.' }]);
    await expect(db.query('UPDATE call_addendum SET text = $2 WHERE record_id = $1', [finalId, 'edited'])).rejects.toThrow(/append-only/);
  });

  it('keeps an addendum that records the callback as made, and refuses one whose callback time was altered on the way', async () => {
    const desk = new ScriptedDesk();
    const id = newRecordId();
    const madeAt = '2026-05-11T21:50:00.000Z';
    const finalise = desk.finalise(id, completeContent());
    const made = desk.addendum(id, 'Synthetic: called back, safe.', undefined, madeAt);
    const plain = desk.addendum(id, 'Synthetic: a later note.');
    // The callback claimed on a note that was hashed without it: the fingerprint no longer matches.
    const forged = { ...plain, payload: { ...plain.payload, callbackMadeAt: madeAt } } as Mutation;
    const res = await pushOk(USERS.a1Clinician, desk, [finalise, made, forged]);
    expect(res.results.map((r) => [r.status, r.reason])).toEqual([['applied', null], ['applied', null], ['rejected', REASONS.addendumHashMismatch]]);
    const rows = await db.query<{ text: string; callback_made_at: Date | null }>('SELECT text, callback_made_at FROM call_addendum WHERE record_id = $1', [id]);
    expect(rows.map((r) => [r.text, r.callback_made_at?.toISOString() ?? null])).toEqual([['Synthetic: called back, safe.', madeAt]]);
  });

  it('refuses changes to a record of another team in the trust with one answer, whatever the record holds', async () => {
    const owner = new ScriptedDesk();
    const id = newRecordId();
    const content = withSummary(completeContent(), 'belongs to a1-clin');
    await pushOk(USERS.a1Clinician, owner, [owner.upsert(id, content)]);
    const desk = new ScriptedDesk();
    const res = await pushOk(USERS.a2Clinician, desk, [desk.upsert(id, withSummary(content, 'overwritten'), 1), desk.discard(id, 'x', 1), desk.addendum(id, 'x'), desk.upsert(newRecordId(), completeContent())]);
    expect(res.results.map((r) => [r.status, r.serverRevision, r.serverContent])).toEqual([
      ['rejected', null, null], ['rejected', null, null], ['rejected', null, null], ['applied', 1, null],
    ]);
    expect(res.results.slice(0, 3).map((r) => r.reason)).toEqual([REASONS.notYours, REASONS.notYours, REASONS.notYours]);
    expect(await row(id)).toMatchObject({ revision: 1, clinician_id: 'a1-clin' });
    expect(await summaryOf(id)).toBe('belongs to a1-clin');
  });

  it('answers another trust exactly as for an id never used, and its record of that id is its own (test/security/ids-and-desk-clock.test.ts has the attacks)', async () => {
    const owner = new ScriptedDesk();
    const id = newRecordId();
    await pushOk(USERS.a1Clinician, owner, [owner.upsert(id, withSummary(completeContent(), 'belongs to a1-clin'))]);
    const script = (desk: ScriptedDesk, recordId: string) => [desk.upsert(recordId, withSummary(completeContent(), 'trust b'), 1), desk.discard(recordId, 'x', 1), desk.addendum(recordId, 'x')];
    const used = new ScriptedDesk();
    const unused = new ScriptedDesk();
    const answers = async (desk: ScriptedDesk, recordId: string) =>
      (await pushOk(USERS.b1Clinician, desk, script(desk, recordId))).results.map((r) => [r.status, r.serverRevision, r.reason]);
    expect(await answers(used, id)).toEqual(await answers(unused, newRecordId()));
    expect(await db.query('SELECT trust_id, clinician_id, status FROM call_record WHERE id = $1 ORDER BY trust_id', [id])).toEqual([
      { trust_id: 'trust-a', clinician_id: 'a1-clin', status: 'draft' },
      { trust_id: 'trust-b', clinician_id: 'b1-clin', status: 'discarded' },
    ]);
    expect(await summaryOf(id)).toBe('belongs to a1-clin');
  });

  it('tells a teammate that a clinician’s draft is theirs to change, and changes nothing', async () => {
    const owner = new ScriptedDesk();
    const id = newRecordId();
    await pushOk(USERS.a1Clinician, owner, [owner.upsert(id, withSummary(completeContent(), 'the day clinician’s draft'))]);
    const desk = new ScriptedDesk();
    const res = await pushOk(USERS.a1Clinician2, desk, [desk.upsert(id, withSummary(completeContent(), 'changed by a teammate'), 1), desk.finalise(id, completeContent(), 1), desk.discard(id, 'x', 1)]);
    expect(res.results.map((r) => [r.status, r.reason])).toEqual([
      ['rejected', REASONS.othersDraft], ['rejected', REASONS.othersDraft], ['rejected', REASONS.othersDraft],
    ]);
    expect(await row(id)).toMatchObject({ status: 'draft', revision: 1, clinician_id: 'a1-clin' });
    expect(await summaryOf(id)).toBe('the day clinician’s draft');
  });

  it('keeps who made each change: the record’s authors, each addendum’s (a teammate’s handover note too) and each answered mutation’s', async () => {
    const day = new ScriptedDesk();
    const night = new ScriptedDesk();
    const id = newRecordId();
    const content = completeContent();
    await pushOk(USERS.a1Clinician, day, [day.upsert(id, withSummary(content, 'first')), day.upsert(id, content), day.finalise(id, content)]);
    const handover = await pushOk(USERS.a1Clinician2, night, [night.addendum(id, 'Synthetic: night shift called back as the day clinician asked.')]);
    expect(statuses(handover)).toEqual(['applied']);
    const [record] = await db.query<{ created_by: string; updated_by: string; finalised_by: string; discarded_by: string | null }>(
      'SELECT created_by, updated_by, finalised_by, discarded_by FROM call_record WHERE id = $1',
      [id],
    );
    expect(record).toEqual({ created_by: 'a1-clin', updated_by: 'a1-clin', finalised_by: 'a1-clin', discarded_by: null });
    expect(await db.query('SELECT author_id, client_id FROM call_addendum WHERE record_id = $1', [id])).toEqual([{ author_id: 'a1-clin2', client_id: night.clientId }]);
    const answers = await db.query<{ author_id: string; n: number }>('SELECT author_id, count(*)::int AS n FROM applied_mutation WHERE record_id = $1 GROUP BY author_id ORDER BY author_id', [id]);
    expect(answers).toEqual([{ author_id: 'a1-clin', n: 3 }, { author_id: 'a1-clin2', n: 1 }]);
    // Who finalised a record never changes afterwards, whatever the code above the database does.
    await expect(db.query("UPDATE call_record SET finalised_by = 'a1-clin2' WHERE id = $1", [id])).rejects.toThrow(/immutable/);
    await expect(db.query("UPDATE call_record SET created_by = 'a1-clin2' WHERE id = $1", [id])).rejects.toThrow(/never changes/);
    // The discarding clinician is kept too.
    const gone = newRecordId();
    await pushOk(USERS.a1Clinician, day, [day.upsert(gone, content), day.discard(gone, 'Opened by mistake.')]);
    expect((await db.query<{ discarded_by: string }>('SELECT discarded_by FROM call_record WHERE id = $1', [gone]))[0]).toEqual({ discarded_by: 'a1-clin' });
  });

  it('lets only the first user of a client id push with it, and says so in words', async () => {
    const desk = new ScriptedDesk();
    await pushOk(USERS.a1Clinician, desk, [desk.upsert(newRecordId(), completeContent())]);
    const id = newRecordId();
    const r = await push(server, USERS.a1Clinician2, desk.request([desk.upsert(id, completeContent())]));
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ error: 'client_claimed', message: expect.stringMatching(/only be sent under that person’s session/) });
    expect(await row(id)).toBeUndefined();
  });

  it('lets only clinicians in a team push', async () => {
    const desk = new ScriptedDesk();
    const body = desk.request([desk.upsert(newRecordId(), completeContent())]);
    for (const user of [USERS.a1Lead, USERS.aAdmin, USERS.bAdmin]) expect((await push(server, user, body)).statusCode).toBe(403);
    const noTeam = await push(server, { userId: 'a1-clin', trustId: 'trust-a', teamId: null, roles: ['clinician'] }, body);
    expect(noTeam.statusCode).toBe(403);
    expect(noTeam.json().error).toBe('no_team');
    expect((await server.app.inject({ method: 'POST', url: '/v1/sync/push', payload: body })).statusCode).toBe(401);
    expect(await count('sync_client WHERE client_id = $1', [desk.clientId])).toBe(0);
  });

  it('answers malformed, oversized and wrong-version requests with 4xx and a message, and stays healthy', async () => {
    const headers = { ...(await server.auth(USERS.a1Clinician)), 'content-type': 'application/json' };
    const send = (payload: string, extra: Record<string, string> = {}) => server.app.inject({ method: 'POST', url: '/v1/sync/push', payload, headers: { ...headers, ...extra } });
    const desk = new ScriptedDesk();
    const valid = desk.request([desk.upsert(newRecordId(), completeContent())]);

    expect((await send('{"clientId":')).statusCode).toBe(400);
    expect((await send(JSON.stringify({ ...valid, clientId: 'not-a-uuid' }))).json()).toMatchObject({ error: 'invalid_params', message: expect.stringMatching(/^clientId/) });
    expect((await send(JSON.stringify({ ...valid, mutations: [] }))).statusCode).toBe(400);
    const tooMany = new ScriptedDesk();
    const r501 = await send(JSON.stringify(tooMany.request(Array.from({ length: 501 }, () => tooMany.upsert(newRecordId(), completeContent())))));
    expect([400, 413]).toContain(r501.statusCode);
    const big = await send(JSON.stringify({ ...valid, padding: 'x'.repeat(server.deps.config.BODY_LIMIT_BYTES) }));
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toBe('body_too_large');
    const badVersion = await send(JSON.stringify(valid), { 'x-crisis-desk-protocol': '99' });
    expect(badVersion.statusCode).toBe(426);

    // Text PostgreSQL cannot store (NUL, half a surrogate pair) is refused item by item, not with a 500.
    const nul = new ScriptedDesk();
    const res = await pushOk(USERS.a1Clinician, nul, [nul.upsert(newRecordId(), withSummary(completeContent(), 'a\u0000b')), nul.upsert(newRecordId(), withSummary(completeContent(), 'x\ud800y')), nul.upsert(newRecordId(), completeContent())]);
    expect(statuses(res)).toEqual(['rejected', 'rejected', 'applied']);

    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.constantFrom('clientId', 'mutations', 'pending', 'seq', 'payload', 'content', 'baseRevision'), async (junk, field) => {
        const m = { ...valid.mutations[0]!, [field]: junk, payload: field === 'content' ? { kind: 'upsert', content: junk } : valid.mutations[0]!.payload };
        for (const body of [junk, { ...valid, [field]: junk }, { ...valid, mutations: [m] }]) {
          const r = await send(JSON.stringify(body));
          expect(r.statusCode, r.body).toBeLessThan(500);
          expect(r.json()).toHaveProperty(r.statusCode === 200 ? 'results' : 'message');
        }
      }),
      { numRuns: 60 },
    );
    expect((await server.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
  });

  it('applies a batch of 500 in one transaction, quickly', async () => {
    const desk = new ScriptedDesk();
    const warm = await pushOk(USERS.a1Clinician, desk, [desk.upsert(newRecordId(), completeContent())]);
    expect(warm.lastSeq).toBe(1);
    const timings: number[] = [];
    for (let round = 0; round < 3; round++) {
      const batch = Array.from({ length: 500 }, (_, i) => {
        const id = newRecordId();
        return i % 2 === 0 ? desk.upsert(id, completeContent()) : desk.finalise(id, completeContent());
      });
      const started = performance.now();
      const res = await pushOk(USERS.a1Clinician, desk, batch);
      timings.push(performance.now() - started);
      expect(res.results.every((r) => r.status === 'applied')).toBe(true);
    }
    console.info(`push of 500 mutations on ${db.kind}: ${timings.map((t) => `${t.toFixed(0)} ms`).join(', ')}`);
    expect(Math.min(...timings)).toBeLessThan(2000);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/sync/push', '/v1/sync/records']));
    expect(Object.keys(doc.paths['/v1/sync/push'].post.responses)).toEqual(expect.arrayContaining(['200', '409']));
  });
});
