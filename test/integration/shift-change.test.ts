/*
 * A desk used by several clinicians in turn, against the real server on loopback (PostgreSQL):
 * each one's changes reach the server under their own name, in a sync stream of their own; the
 * first one's changes still waiting after the switch go under their own kept session; a session
 * that has been revoked leaves their changes waiting in plain view, not retried unseen; changes
 * made while nobody was signed in go nowhere until someone claims them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeModules } from '../../server/src/routes';
import type { AuthorQueue, WaitingGroup } from '../../shared/contract';
import type { CallRecord } from '../../shared/domain/call-record';
import { finalisable, TestDesk, TestTokens, waitFor } from '../support/desk-harness';
import { createTestServer, USERS, type TestServer, type TestUser } from '../support/server-fixtures';
import { openSeededDatabase, type OpenedDatabase } from '../support/server-databases';

describe('a shift change on one desk', () => {
  let opened: OpenedDatabase;
  let server: TestServer;
  let serverDir: string;
  let base: string;
  const desks: TestDesk[] = [];

  /** The desk's network: down while `offline`; every push recorded with the stream it named. */
  function network() {
    const state = { offline: false, pushes: [] as string[] };
    const f: typeof fetch = async (input, init) => {
      if (state.offline) throw new TypeError('fetch failed (test: network down)');
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes('/v1/sync/push')) state.pushes.push((JSON.parse(String(init!.body)) as { clientId: string }).clientId);
      return fetch(input, init);
    };
    return { state, fetch: f };
  }

  function newDesk(first: TestUser = USERS.a1Clinician) {
    const net = network();
    const tokens = new TestTokens(server.tokenFor, first);
    const desk = new TestDesk({ serverUrl: base, tokens, timeoutMs: 5000, idleTimeoutMs: 5000, fetch: net.fetch, backoff: { baseMs: 50, capMs: 300 } });
    desks.push(desk);
    return { desk, tokens, net };
  }

  const serverRecord = async (id: string) =>
    (await opened.db.query<{ status: string; clinician_id: string; created_by: string; updated_by: string; finalised_by: string | null; content: { presentingNeed: { summary: string } } }>(
      'SELECT status, clinician_id, created_by, updated_by, finalised_by, content FROM call_record WHERE id = $1',
      [id],
    ))[0];
  /** Who the server says made each change to a record, in the order it applied them. */
  const authorsOnServer = async (id: string) =>
    (await opened.db.query<{ author_id: string; user_id: string }>(
      `SELECT m.author_id, c.user_id FROM applied_mutation m JOIN sync_client c ON c.client_id = m.client_id
       WHERE m.record_id = $1 AND m.status = 'applied' ORDER BY m.applied_at, m.seq`,
      [id],
    )).map((r) => {
      expect(r.author_id).toBe(r.user_id); // the stream's one user is the author of everything in it
      return r.author_id;
    });
  const queues = (desk: TestDesk): AuthorQueue[] => desk.status().queues;
  const idle = (desk: TestDesk) => waitFor('sync to settle', () => desk.status().activity === 'idle');

  beforeAll(async () => {
    opened = await openSeededDatabase('postgres');
    serverDir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-server-'));
    server = await createTestServer(opened.db, routeModules, { DATA_DIR: serverDir });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const d of desks) d.close();
    await server.close();
    await opened.close();
    rmSync(serverDir, { recursive: true, force: true });
  });

  it('two clinicians in turn: the server holds each change under its true author, each in a stream of its own', async () => {
    const { desk, tokens } = newDesk(USERS.a1Clinician);
    await waitFor('online', () => desk.status().connection === 'online');
    // Day clinician: a record finalised with a callback owed, and a draft left for later.
    const record = await desk.createDraft('Synthetic: day shift call');
    const ready = await desk.edit(record.id, (c) => {
      Object.assign(c, finalisable(c));
      c.callback = { required: true, dueAt: new Date(Date.now() + 3_600_000).toISOString(), phone: '07700 900123', reason: 'Synthetic: check in.', completedAt: null };
    });
    await desk.call('calls.finalise', { id: record.id, revision: ready.revision });
    const dayDraft = await desk.createDraft('Synthetic: day draft, not finished');
    await desk.call('auth.signOut');
    // Signing out sent everything first.
    expect(desk.status().waiting).toBe(0);
    expect((await serverRecord(record.id))!.status).toBe('finalised');

    // Night clinician signs in on the same desk.
    tokens.signInAs(USERS.a1Clinician2);
    await waitFor('night signed in', () => desk.status().session.user?.userId === 'a1-clin2');
    const nightCall = await desk.createDraft('Synthetic: night shift call');
    // A handover: night records the day clinician's callback as made.
    await desk.call('calls.addAddendum', { id: record.id, text: 'Synthetic: night shift made the callback, caller safe.', callbackMade: true });
    // Night cannot change the day clinician's draft: the desk says whose it is.
    await expect(desk.call('calls.save', { id: dayDraft.id, revision: dayDraft.revision, content: dayDraft.content })).rejects.toThrow(/record_not_yours .*started by a1-clin/);
    await waitFor('an empty queue', () => desk.status().waiting === 0);

    expect(await serverRecord(record.id)).toMatchObject({ clinician_id: 'a1-clin', created_by: 'a1-clin', updated_by: 'a1-clin', finalised_by: 'a1-clin' });
    expect(await serverRecord(nightCall.id)).toMatchObject({ clinician_id: 'a1-clin2', created_by: 'a1-clin2' });
    expect(await serverRecord(dayDraft.id)).toMatchObject({ clinician_id: 'a1-clin', updated_by: 'a1-clin' });
    // Day's changes (how many depends on how autosaves were batched), then night's addendum.
    const authors = await authorsOnServer(record.id);
    expect(authors.at(-1)).toBe('a1-clin2');
    expect(new Set(authors.slice(0, -1))).toEqual(new Set(['a1-clin']));
    expect(await opened.db.query('SELECT author_id FROM call_addendum WHERE record_id = $1', [record.id])).toEqual([{ author_id: 'a1-clin2' }]);
    // One stream per author on this desk, none shared, none refused.
    const streams = await opened.db.query<{ user_id: string }>(
      'SELECT DISTINCT c.user_id FROM sync_client c JOIN applied_mutation m ON m.client_id = c.client_id WHERE m.record_id = ANY($1::uuid[]) ORDER BY c.user_id',
      [[record.id, nightCall.id, dayDraft.id]],
    );
    expect(streams).toEqual([{ user_id: 'a1-clin' }, { user_id: 'a1-clin2' }]);
    expect(desk.status()).toMatchObject({ rejected: 0, conflicts: 0 });
    // The desk shows who did what.
    const shown = await desk.call<CallRecord>('calls.get', { id: record.id });
    expect(shown.finalisedBy).toEqual({ userId: 'a1-clin', displayName: 'a1-clin' });
    expect(shown.addenda.map((a) => a.author?.userId)).toEqual(['a1-clin2']);
    // The day clinician's kept session was given back once nothing of theirs waited.
    expect(tokens.keptSessions()).toEqual([]);
    expect(tokens.released).toContain('a1-clin');
  });

  it('sends the first clinician’s remaining changes under their own session after the switch', async () => {
    const { desk, tokens, net } = newDesk(USERS.a1Clinician);
    await waitFor('online', () => desk.status().connection === 'online');
    net.state.offline = true;
    const draft = await desk.createDraft('Synthetic: typed while the network was down');
    await desk.call('auth.signOut'); // cannot send now: what is left keeps going under their session
    expect(queues(desk)).toEqual([{ author: { userId: 'a1-clin', displayName: 'a1-clin' }, waiting: expect.any(Number), state: 'sending', reason: null }]);
    tokens.signInAs(USERS.a1Clinician2);
    const nightDraft = await desk.createDraft('Synthetic: the night clinician’s first call');
    expect(await serverRecord(draft.id)).toBeUndefined();

    net.state.offline = false;
    await desk.call('sync.now');
    await waitFor('both on the server', async () => Boolean((await serverRecord(draft.id)) && (await serverRecord(nightDraft.id))));
    expect(await serverRecord(draft.id)).toMatchObject({ clinician_id: 'a1-clin', updated_by: 'a1-clin' });
    expect(await serverRecord(nightDraft.id)).toMatchObject({ clinician_id: 'a1-clin2' });
    await waitFor('the kept session released', () => tokens.keptSessions().length === 0);
    expect(tokens.asked).toContain('a1-clin');
    expect(queues(desk)).toEqual([]);
  });

  it('a revoked session leaves that clinician’s changes waiting in plain view, not retried unseen, until they sign in again', async () => {
    const { desk, tokens, net } = newDesk(USERS.a1Clinician);
    await waitFor('online', () => desk.status().connection === 'online');
    net.state.offline = true;
    const draft = await desk.createDraft('Synthetic: day clinician, not yet sent');
    await desk.call('auth.signOut');
    await idle(desk); // the attempt made while offline has failed
    // Their session is revoked at the identity provider (an administrator, or a sign-out elsewhere):
    // their access token has expired and its renewal is refused.
    tokens.revoke('a1-clin');
    tokens.signInAs(USERS.a1Clinician2);
    net.state.offline = false;
    await desk.call('sync.now');
    const day = { userId: 'a1-clin', displayName: 'a1-clin' };
    await waitFor('the day clinician’s changes waiting for them', () => queues(desk).some((q) => q.author?.userId === 'a1-clin' && q.state === 'sign_in_needed'));
    const waiting = desk.status().waiting;
    expect(waiting).toBeGreaterThan(0);
    expect(queues(desk)).toEqual([{ author: day, waiting, state: 'sign_in_needed', reason: null }]);
    const groups = await desk.call<WaitingGroup[]>('sync.waiting');
    expect(groups).toEqual([{ author: day, waiting, state: 'sign_in_needed', reason: null, records: [expect.objectContaining({ recordId: draft.id, changes: waiting, status: 'draft' })] }]);
    expect(await serverRecord(draft.id)).toBeUndefined();

    // However often sync runs now, nothing is sent for them: their changes wait, visibly.
    await idle(desk);
    const pushesBefore = net.state.pushes.length;
    const askedBefore = tokens.asked.filter((a) => a === 'a1-clin').length;
    for (let i = 0; i < 3; i++) {
      await desk.call('sync.now');
      await idle(desk);
    }
    expect(tokens.asked.filter((a) => a === 'a1-clin').length).toBe(askedBefore);
    expect(net.state.pushes.length).toBe(pushesBefore);
    expect(desk.status().paused).toBeNull(); // the night clinician's own sync carries on

    // The day clinician signs in again on this desk: their change goes, as theirs.
    tokens.signInAs(USERS.a1Clinician);
    await waitFor('the change on the server', async () => Boolean(await serverRecord(draft.id)));
    expect(await serverRecord(draft.id)).toMatchObject({ clinician_id: 'a1-clin', updated_by: 'a1-clin' });
    await waitFor('nothing waiting', () => queues(desk).length === 0);
  });

  it('changes made while nobody was signed in wait until someone claims them, and then go as theirs', async () => {
    const { desk, tokens } = newDesk(USERS.a1Clinician);
    await waitFor('online', () => desk.status().connection === 'online');
    await desk.call('auth.signOut');
    const draft = await desk.createDraft('Synthetic: written while nobody was signed in');
    expect(queues(desk)).toEqual([{ author: null, waiting: 1, state: 'unclaimed', reason: null }]);
    await expect(desk.call('sync.claim', { recordIds: [draft.id] })).rejects.toThrow(/not_signed_in/);
    tokens.signInAs(USERS.a1Clinician2);
    await waitFor('signed in', () => desk.status().signedIn);
    await desk.call('sync.now');
    await idle(desk);
    // Signing in gave them to nobody.
    expect(await serverRecord(draft.id)).toBeUndefined();
    expect(queues(desk)).toEqual([{ author: null, waiting: 1, state: 'unclaimed', reason: null }]);
    const claimed = await desk.call<{ claimed: number }>('sync.claim', { recordIds: [draft.id] });
    expect(claimed.claimed).toBe(1);
    await waitFor('the claimed draft on the server', async () => Boolean(await serverRecord(draft.id)));
    expect(await serverRecord(draft.id)).toMatchObject({ clinician_id: 'a1-clin2', created_by: 'a1-clin2' });
    expect((await desk.call<CallRecord>('calls.get', { id: draft.id })).createdBy?.userId).toBe('a1-clin2');
  });

  it('a person whose changes the server will not take at all (no clinician role) sees its reason, and is not retried unseen', async () => {
    const { desk, tokens, net } = newDesk(USERS.aAdmin);
    await waitFor('signed in', () => desk.status().signedIn);
    const draft = await desk.createDraft('Synthetic: an administrator trying the desk');
    await waitFor('refused', () => queues(desk).some((q) => q.state === 'refused'));
    const [queue] = queues(desk);
    expect(queue).toMatchObject({ author: { userId: 'a-admin' }, state: 'refused' });
    expect(queue!.reason).toMatch(/\w+/);
    await idle(desk);
    const pushes = net.state.pushes.length;
    await new Promise((r) => setTimeout(r, 600)); // several watchdog rounds (200 ms each)
    expect(net.state.pushes.length).toBe(pushes);
    expect(await serverRecord(draft.id)).toBeUndefined();
    void tokens;
  });
});
