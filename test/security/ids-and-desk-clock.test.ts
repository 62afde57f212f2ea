import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PushResponse, type Mutation } from '../../shared/sync/protocol';
import { completeContent, newRecordId, ScriptedDesk, withSummary } from '../support/sync-fixtures';
import { CLINICIAN_SOUTH, startApiNodes, type ApiNodes } from './api-nodes';

/*
 * Finding 9 (the rest) of the security probe, over HTTP against a real API node and PostgreSQL:
 *  - another trust could tell whether a record, change (mutation), addendum or sync stream id
 *    existed — its push was refused instead of applied — and, by pushing an id first, have the
 *    real desk's change refused ("not yours", "id taken", client_claimed). Ids are UUIDs made on
 *    desks; they can be seen (in exports, on screen) or guessed from their time.
 *  - a desk's clock set a record's finalisedAt unchecked: a 1999 date was stored as when it was
 *    finalised, and shift summaries read it as a fact.
 */

const CLINICIAN_NORTH = { userId: 'clinician.north', trustId: 'demo-north', teamId: 'demo-north-day', roles: ['clinician' as const], displayName: 'Demo Clinician (Northmoor day)' };

describe('ids are scoped by trust: another trust learns nothing of ours and cannot claim one first', () => {
  let api: ApiNodes;
  let south: string;
  let north: string;

  beforeAll(async () => {
    api = await startApiNodes(1);
    [south, north] = await Promise.all([api.tokenFor(CLINICIAN_SOUTH), api.tokenFor(CLINICIAN_NORTH)]);
  }, 120_000);
  afterAll(async () => api.close());

  async function push(token: string, desk: ScriptedDesk, mutations: Mutation[]) {
    const r = await fetch(`${api.urls[0]}/v1/sync/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(desk.request(mutations)),
    });
    const body = (await r.json()) as unknown;
    return { status: r.status, body };
  }
  const pushOk = async (token: string, desk: ScriptedDesk, mutations: Mutation[]) => {
    const r = await push(token, desk, mutations);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return PushResponse.parse(r.body).results.map((x) => ({ status: x.status, serverRevision: x.serverRevision, reason: x.reason }));
  };
  const db = () => api.nodes[0]!.deps.db;

  it('answers another trust the same for one of our record ids as for an id never used', async () => {
    const ours = new ScriptedDesk();
    const id = newRecordId();
    const content = withSummary(completeContent(), 'Synthetic: Southvale’s draft');
    await pushOk(south, ours, [ours.upsert(id, content), ours.finalise(id, content)]);

    // The other trust probes with every kind of change, on our id and on a fresh one.
    const probe = (desk: ScriptedDesk, recordId: string) => [
      desk.addendum(recordId, 'probe'),
      desk.discard(recordId, 'probe', 2),
      desk.upsert(recordId, withSummary(completeContent(), 'Synthetic: probe'), 2),
    ];
    const onOurs = new ScriptedDesk();
    const onNone = new ScriptedDesk();
    expect(await pushOk(north, onOurs, probe(onOurs, id))).toEqual(await pushOk(north, onNone, probe(onNone, newRecordId())));
    // Ours is as it was.
    expect(await db().query('SELECT status, clinician_id FROM call_record WHERE trust_id = $1 AND id = $2', ['demo-south', id])).toEqual([{ status: 'finalised', clinician_id: 'clinician.south' }]);
  });

  it('lets our desk send a record, change, addendum and stream whose ids another trust used first', async () => {
    // Northmoor learns (or guesses) the ids a Southvale desk is about to send, and sends them first.
    const ourDesk = new ScriptedDesk();
    const recordId = newRecordId();
    const addendumId = newRecordId();
    const content = withSummary(completeContent(), 'Synthetic: Southvale’s call, written offline');
    const ours = [ourDesk.upsert(recordId, content), ourDesk.finalise(recordId, content), ourDesk.addendum(recordId, 'Synthetic: called back, safe.', addendumId)];

    const squatter = new ScriptedDesk(ourDesk.clientId);
    const squat = [squatter.upsert(recordId, completeContent()), squatter.finalise(recordId, completeContent()), squatter.addendum(recordId, 'Synthetic: squatted', addendumId)].map((m, i) => ({
      ...m,
      mutationId: ours[i]!.mutationId,
    }));
    expect((await pushOk(north, squatter, squat)).map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);

    // Southvale's desk comes online: its stream, changes, record and addendum are its own.
    expect(await pushOk(south, ourDesk, ours)).toEqual([
      { status: 'applied', serverRevision: 1, reason: null },
      { status: 'applied', serverRevision: 2, reason: null },
      { status: 'applied', serverRevision: 2, reason: null },
    ]);
    const rows = await db().query<{ trust_id: string; clinician_id: string; summary: string }>(
      "SELECT trust_id, clinician_id, content#>>'{presentingNeed,summary}' AS summary FROM call_record WHERE id = $1 ORDER BY trust_id",
      [recordId],
    );
    expect(rows).toEqual([
      { trust_id: 'demo-north', clinician_id: 'clinician.north', summary: completeContent().presentingNeed.summary },
      { trust_id: 'demo-south', clinician_id: 'clinician.south', summary: 'Synthetic: Southvale’s call, written offline' },
    ]);
    expect(await db().query('SELECT trust_id, text FROM call_addendum WHERE id = $1 ORDER BY trust_id', [addendumId])).toEqual([
      { trust_id: 'demo-north', text: 'Synthetic: squatted' },
      { trust_id: 'demo-south', text: 'Synthetic: called back, safe.' },
    ]);
    expect(await db().query('SELECT trust_id, user_id FROM sync_client WHERE client_id = $1 ORDER BY trust_id', [ourDesk.clientId])).toEqual([
      { trust_id: 'demo-north', user_id: 'clinician.north' },
      { trust_id: 'demo-south', user_id: 'clinician.south' },
    ]);

    // Within the trust the rules stand: a stream is one person's, a change id is used once.
    const colleague = await api.tokenFor({ ...CLINICIAN_SOUTH, userId: 'clinician2.south', teamId: 'demo-south-night' });
    expect((await push(colleague, ourDesk, [ourDesk.upsert(newRecordId(), completeContent())])).body).toMatchObject({ error: 'client_claimed' });
    const reuser = new ScriptedDesk();
    const reused = { ...reuser.upsert(newRecordId(), completeContent()), mutationId: ours[0]!.mutationId };
    expect((await pushOk(south, reuser, [reused]))[0]).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/id of a change the server already holds/) });
  });
});

describe('the desk’s clock cannot set when a record was finalised', () => {
  let api: ApiNodes;
  let south: string;

  beforeAll(async () => {
    api = await startApiNodes(1);
    south = await api.tokenFor(CLINICIAN_SOUTH);
  }, 120_000);
  afterAll(async () => api.close());

  const withTime = (m: Mutation, iso: string): Mutation =>
    m.payload.kind === 'finalise' ? { ...m, payload: { ...m.payload, finalisedAt: iso } } : m.payload.kind === 'discard' ? { ...m, payload: { ...m.payload, discardedAt: iso } } : m;

  async function pushAt(desk: ScriptedDesk, mutations: Mutation[]) {
    const before = Date.now();
    const r = await fetch(`${api.urls[0]}/v1/sync/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${south}`, 'content-type': 'application/json' },
      body: JSON.stringify(desk.request(mutations)),
    });
    expect(r.status).toBe(200);
    expect(PushResponse.parse(await r.json()).results.every((x) => x.status === 'applied')).toBe(true);
    return { before, after: Date.now() };
  }

  interface Stored {
    finalised_at: Date | null;
    desk_finalised_at: Date | null;
    finalised_received_at: Date | null;
    discarded_at: Date | null;
    desk_discarded_at: Date | null;
    discarded_received_at: Date | null;
    desk_clock_note: string | null;
  }
  const stored = async (id: string) =>
    (await api.nodes[0]!.deps.db.query<Stored>(
      `SELECT finalised_at, desk_finalised_at, finalised_received_at, discarded_at, desk_discarded_at, discarded_received_at, desk_clock_note
       FROM call_record WHERE trust_id = 'demo-south' AND id = $1`,
      [id],
    ))[0]!;

  it('keeps a 1999 finalisedAt as the desk’s claim, records the server’s receipt time as when it was finalised, and says why', async () => {
    const desk = new ScriptedDesk();
    const id = newRecordId();
    const content = completeContent();
    const { before, after } = await pushAt(desk, [desk.upsert(id, content), withTime(desk.finalise(id, content), '1999-01-01T00:00:00.000Z')]);
    const row = await stored(id);
    expect(row.desk_finalised_at!.toISOString()).toBe('1999-01-01T00:00:00.000Z');
    expect(row.finalised_received_at!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(row.finalised_received_at!.getTime()).toBeLessThanOrEqual(after + 1000);
    expect(row.finalised_at).toEqual(row.finalised_received_at);
    expect(row.desk_clock_note).toMatch(/1 Jan 1999.*the desk's clock was wrong/);
    // What desks pull says the same.
    const pulled = await fetch(`${api.urls[0]}/v1/sync/records`, { headers: { authorization: `Bearer ${south}` } });
    const record = ((await pulled.json()) as { records: { id: string; finalisedAt: string }[] }).records.find((r) => r.id === id)!;
    expect(record.finalisedAt).toBe(row.finalised_at!.toISOString());
  });

  it('bounds a clock running ahead, and a discard time, the same way; a right clock and a desk that was offline for days are believed', async () => {
    const desk = new ScriptedDesk();
    const [ahead, discarded, right, offline] = [newRecordId(), newRecordId(), newRecordId(), newRecordId()];
    const content = completeContent();
    const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const aMinuteAgo = new Date(Date.now() - 60_000).toISOString();
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000).toISOString();
    await pushAt(desk, [
      withTime(desk.finalise(ahead, content), inAYear),
      desk.upsert(discarded, content),
      withTime(desk.discard(discarded, 'Opened by mistake.'), '1970-01-01T00:00:00.000Z'),
      withTime(desk.finalise(right, content), aMinuteAgo),
      withTime(desk.finalise(offline, content), threeDaysAgo),
    ]);
    const a = await stored(ahead);
    expect(a.desk_finalised_at!.toISOString()).toBe(inAYear);
    expect(a.finalised_at).toEqual(a.finalised_received_at);
    expect(a.desk_clock_note).toMatch(/after the server received it/);
    const d = await stored(discarded);
    expect(d.desk_discarded_at!.toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(d.discarded_at).toEqual(d.discarded_received_at);
    expect(d.desk_clock_note).toMatch(/1 Jan 1970/);
    for (const [id, iso] of [[right, aMinuteAgo], [offline, threeDaysAgo]] as const) {
      const r = await stored(id);
      expect(r.finalised_at!.toISOString()).toBe(iso);
      expect(r.desk_finalised_at!.toISOString()).toBe(iso);
      expect(r.desk_clock_note).toBeNull();
    }
    // None of it can be rewritten afterwards.
    await expect(api.nodes[0]!.deps.db.query("UPDATE call_record SET finalised_received_at = now() - interval '1 day' WHERE id = $1", [right])).rejects.toThrow(/immutable/);
    await expect(api.nodes[0]!.deps.db.query("UPDATE call_record SET received_at = now() - interval '1 day' WHERE id = $1", [right])).rejects.toThrow(/never changes/);
  });
});
