/*
 * The desk's sync engine against the real server on loopback (PostgreSQL): a new desk bootstraps
 * the directory, catches up on a hint, pushes call records, pulls another desk's, keeps both texts
 * on a conflict, pauses for a sign-in, and carries on offline until the server is back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishAndDistribute } from '../../server/src/directory/publisher';
import { routeModules } from '../../server/src/routes';
import type { CallRecord, CallSummary } from '../../shared/domain/call-record';
import type { ConflictView, DirectoryInfo, SearchResult, SyncStatus } from '../../shared/contract';
import { generateDirectory, loadEnglandSectors } from '../../scripts/synthetic/generate-directory';
import { DirectoryManifest } from '../../shared/sync/protocol';
import { bodyUpTo } from '../support/cut-body';
import { finalisable, GEO_DIR, TestDesk, TestTokens, waitFor } from '../support/desk-harness';
import { createTestServer, USERS, type TestServer } from '../support/server-fixtures';
import { openSeededDatabase, type OpenedDatabase } from '../support/server-databases';

describe('desk sync against the central API', () => {
  let opened: OpenedDatabase;
  let server: TestServer;
  let serverDir: string;
  let base: string;
  const desks: TestDesk[] = [];
  const services = generateDirectory({ seed: 7, count: 400, sectors: loadEnglandSectors(GEO_DIR) });

  const newDesk = (tokens = new TestTokens(server.tokenFor, USERS.a1Clinician)) => {
    const desk = new TestDesk({ serverUrl: base, tokens, timeoutMs: 5000, idleTimeoutMs: 5000 });
    desks.push(desk);
    return { desk, tokens };
  };
  const serverRecord = async (id: string) =>
    (await opened.db.query<{ status: string; revision: number; content_hash: string | null; content: { presentingNeed: { summary: string } } }>(
      'SELECT status, revision, content_hash, content FROM call_record WHERE id = $1',
      [id],
    ))[0];

  beforeAll(async () => {
    opened = await openSeededDatabase('postgres');
    serverDir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-server-'));
    server = await createTestServer(opened.db, routeModules, { DATA_DIR: serverDir });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    await publishAndDistribute(server.deps, 'trust-a', services, { source: 'test', complete: true });
  });

  afterAll(async () => {
    for (const d of desks) d.close();
    await server.close();
    await opened.close();
    rmSync(serverDir, { recursive: true, force: true });
  });

  it('a new desk downloads the directory snapshot and can search it', async () => {
    const { desk } = newDesk();
    await waitFor('the directory', () => desk.core.directory.info().services === services.length);
    const info = desk.core.directory.info();
    expect(info.version).toBe('1');
    expect(info.syncedAt).not.toBeNull();
    const found = await desk.call<SearchResult>('directory.search', { text: services[0]!.name });
    expect(found.results.map((r) => r.service.id)).toContain(services[0]!.id);
  });

  it('catches up when a new directory version is published', async () => {
    const { desk } = newDesk();
    await waitFor('the directory', () => desk.core.directory.info().version === '1');
    const renamed = { ...services[1]!, name: 'Renamed Crisis Café For Catch Up' };
    const next = [renamed, ...services.slice(2)]; // services[0] removed
    await publishAndDistribute(server.deps, 'trust-a', next, { source: 'test', complete: true });
    await waitFor('the catch-up', () => desk.core.directory.info().version === '2');
    expect((await desk.call<SearchResult>('directory.search', { text: 'renamed catch' })).results.map((r) => r.service.id)).toEqual([renamed.id]);
    await expect(desk.call('directory.get', { id: services[0]!.id })).rejects.toThrow(/not_found/);
    expect(desk.core.directory.info().services).toBe(next.length);
  });

  it('tells the screen of each directory check, one that found nothing new included (the status bar\'s "checked" time moves)', async () => {
    const { desk } = newDesk();
    const told: DirectoryInfo[] = [];
    const stop = desk.core.on('directory.updated', (d) => told.push(d));
    try {
      // The download, told as it always was; then the desk rests.
      await waitFor('the download', () => told.length > 0 && desk.status().activity === 'idle');
      told.length = 0;
      const before = desk.core.directory.info();
      await new Promise((r) => setTimeout(r, 5)); // a later "synced at" than the download's
      await desk.call('sync.now');
      const checked = await waitFor('the event of a check', () => told.find((d) => Date.parse(d.syncedAt!) > Date.parse(before.syncedAt!)));
      expect(checked).toMatchObject({ version: before.version, services: before.services, publishedAt: before.publishedAt });
      expect(desk.core.directory.info().syncedAt).toBe(told.at(-1)!.syncedAt);
    } finally {
      stop();
    }
  });

  it('builds the directory from the changes feed, page by page, when the snapshot cannot be downloaded', async () => {
    // Another trust's directory, large enough for three pages of the feed.
    const many = generateDirectory({ seed: 8, count: 4500, sectors: loadEnglandSectors(GEO_DIR) });
    await publishAndDistribute(server.deps, 'trust-b', many, { source: 'test', complete: true });
    const snapshotRequests: string[] = [];
    // As a server whose snapshot files were lost: every snapshot download answers 404.
    const noSnapshots: typeof fetch = (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes('/v1/directory/snapshots/')) {
        snapshotRequests.push(url);
        return Promise.resolve(new Response('{"error":"not_found"}', { status: 404, headers: { 'content-type': 'application/json' } }));
      }
      return fetch(input, init);
    };
    const desk = new TestDesk({ serverUrl: base, tokens: new TestTokens(server.tokenFor, USERS.b1Clinician), timeoutMs: 5000, idleTimeoutMs: 5000, fetch: noSnapshots });
    desks.push(desk);
    await waitFor('the directory', () => desk.core.directory.info().services === many.length, 30_000);
    expect(snapshotRequests.length).toBeGreaterThan(0);
    const ids = desk.core.directory.db.prepare('SELECT id FROM service ORDER BY id').pluck().all();
    expect(ids).toEqual(many.map((s) => s.id).sort());
    const last = many.at(-1)!;
    expect((await desk.call<SearchResult>('directory.search', { text: last.name })).results.map((r) => r.service.id)).toContain(last.id);
    expect(desk.core.directory.info()).toMatchObject({ version: '1' });
  });

  it('resumes a snapshot download cut mid-way at once, from where it stopped (Range, If-Range), and checks the whole file', async () => {
    const requests: { range: string | null; ifRange: string | null; status: number }[] = [];
    const manifest = DirectoryManifest.parse(await (await fetch(`${base}/v1/directory/manifest`, { headers: { authorization: `Bearer ${await server.tokenFor(USERS.a1Clinician)}` } })).json());
    // What travels is the compressed copy: the cut falls inside it.
    const CUT = Math.floor(manifest.compressed!.bytes / 2);
    // The first download's connection drops after CUT bytes, as when the API node serving it dies.
    const cutOnce: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      const res = await fetch(input, init);
      if (!url.includes('/v1/directory/snapshots/')) return res;
      const headers = new Headers(init?.headers);
      requests.push({ range: headers.get('range'), ifRange: headers.get('if-range'), status: res.status });
      if (requests.length > 1) return res;
      const body = bodyUpTo(res.body!, CUT);
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const desk = new TestDesk({ serverUrl: base, tokens: new TestTokens(server.tokenFor, USERS.a1Clinician), timeoutMs: 5000, idleTimeoutMs: 5000, fetch: cutOnce });
    desks.push(desk);
    await waitFor('the directory', () => desk.core.directory.info().syncedAt !== null && desk.core.directory.info().services > 0, 30_000);
    expect(requests).toEqual([
      { range: null, ifRange: null, status: 200 },
      { range: `bytes=${CUT}-`, ifRange: `"${manifest.compressed!.sha256}"`, status: 206 },
    ]);
    // It checked the sha256 of the joined file: a snapshot whose bytes disagree is never installed.
    expect(desk.core.directory.info().version).toBe(String(manifest.version));
  });

  it('pushes call records as they are written, and a finalised record reaches the server intact', async () => {
    const { desk } = newDesk();
    const draft = await desk.createDraft('Synthetic: pushed as written');
    await waitFor('the draft on the server', async () => (await serverRecord(draft.id))?.content.presentingNeed.summary === 'Synthetic: pushed as written');
    const edited = await desk.edit(draft.id, (c) => Object.assign(c, finalisable(c)));
    const final = await desk.call<CallRecord>('calls.finalise', { id: draft.id, revision: edited.revision });
    await waitFor('the finalised record on the server', async () => (await serverRecord(draft.id))?.status === 'finalised');
    expect((await serverRecord(draft.id))!.content_hash).toBe(final.contentHash);
    await waitFor('an empty queue', () => desk.status().waiting === 0);
    expect(desk.status()).toMatchObject({ connection: 'online', conflicts: 0, rejected: 0, paused: null });
  });

  it('a callback recorded as made after finalising reaches the server, and another desk stops showing it due', async () => {
    const a = newDesk().desk;
    const b = newDesk().desk;
    const draft = await a.createDraft('Synthetic: callback owed');
    // Due soon (finalising refuses a due time already passed unless the callback was made).
    const dueAt = new Date(Date.now() + 3_600_000).toISOString();
    const edited = await a.edit(draft.id, (c) => {
      Object.assign(c, finalisable(c));
      c.callback = { required: true, dueAt, phone: '07700 900123', reason: 'Synthetic: check in.', completedAt: null };
    });
    await a.call('calls.finalise', { id: draft.id, revision: edited.revision });
    const dueOn = async (desk: TestDesk) => (await desk.call<CallSummary[]>('calls.list', {})).find((s) => s.id === draft.id)?.callbackDueAt;
    await waitFor('the callback due on desk B', async () => (await dueOn(b)) === dueAt);

    const addendum = await a.call<{ id: string; callbackMadeAt: string }>('calls.addAddendum', { id: draft.id, text: 'Synthetic: called back, safe at home.', callbackMade: true });
    expect(await dueOn(a)).toBeNull();
    await waitFor('the addendum on the server', async () =>
      (await opened.db.query<{ callback_made_at: Date | null }>('SELECT callback_made_at FROM call_addendum WHERE id = $1', [addendum.id]))[0]?.callback_made_at?.toISOString() === addendum.callbackMadeAt,
    );
    await waitFor('the callback no longer due on desk B', async () => (await dueOn(b)) === null);
    expect(a.status()).toMatchObject({ rejected: 0, conflicts: 0 });
  });

  it('“sync now” during an attempt that then fails is not held back by that failure’s backoff', async () => {
    let outage = true;
    let releasePush!: () => void;
    const pushHeld = new Promise<void>((r) => (releasePush = r));
    let pushStarted!: () => void;
    const pushing = new Promise<void>((r) => (pushStarted = r));
    // While the outage lasts the server asks for two minutes' patience; the first push waits to be
    // let go. Only pushes get through after it, so nothing else (a "ready" hint, a pull finding the
    // server back) can restart the push instead.
    const flaky: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      const push = url.includes('/v1/sync/push');
      if (!outage && push) return fetch(input, init);
      if (push) {
        pushStarted();
        await pushHeld;
      }
      return new Response('{"error":"unavailable","message":"Injected outage."}', { status: 503, headers: { 'content-type': 'application/json', 'retry-after': '120' } });
    };
    const desk = new TestDesk({ serverUrl: base, tokens: new TestTokens(server.tokenFor, USERS.a1Clinician), timeoutMs: 5000, idleTimeoutMs: 5000, fetch: flaky });
    desks.push(desk);
    const draft = await desk.createDraft('Synthetic: written during the outage');
    await pushing;
    await desk.call('sync.now'); // the clinician presses "Try now" while that push is on its way
    outage = false;
    releasePush(); // …and it fails, asking for 120 s
    await waitFor('the draft on the server', async () => (await serverRecord(draft.id))?.content.presentingNeed.summary === 'Synthetic: written during the outage');
    await waitFor('an empty queue', () => desk.status().waiting === 0);
  });

  it('pulls a record written on another desk by the same clinician, and tells the screen so (sync.recordsChanged)', async () => {
    const a = newDesk().desk;
    const b = newDesk().desk;
    // What desk B holds at each event: the screen asks for its list of calls then, so the record must be there by then.
    const heldAtEvent: string[][] = [];
    const stop = b.core.on('sync.recordsChanged', () => heldAtEvent.push(b.core.desk.db.prepare('SELECT id FROM call_record').pluck().all() as string[]));
    const draft = await a.createDraft('Synthetic: started on desk A');
    await waitFor('desk B told of the pulled record', () => heldAtEvent.some((ids) => ids.includes(draft.id)));
    expect((await b.call<CallSummary[]>('calls.list', {})).map((s) => s.id)).toContain(draft.id);
    await waitFor('its latest text on desk B', async () => (await b.call<CallRecord>('calls.get', { id: draft.id })).content.presentingNeed.summary === 'Synthetic: started on desk A');
    expect(b.status().waiting).toBe(0);
    stop();
  });

  it('an autosave with the server reachable is not pulled straight back; a change from another desk made meanwhile is', async () => {
    // Desk A's requests, counted as they go out.
    const pulls: string[] = [];
    const directoryChecks: string[] = [];
    const counting: typeof fetch = (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes('/v1/sync/records')) pulls.push(url);
      if (url.includes('/v1/directory/')) directoryChecks.push(url);
      return fetch(input, init);
    };
    const a = new TestDesk({ serverUrl: base, tokens: new TestTokens(server.tokenFor, USERS.a1Clinician), timeoutMs: 5000, idleTimeoutMs: 5000, fetch: counting });
    desks.push(a);
    const b = newDesk().desk;
    // A hint reaches desk A after every hint sent before it, on its one stream: once A has acted on
    // this one, it has had (and acted on) every earlier one.
    const barrier = async () => {
      const checksBefore = directoryChecks.length;
      await server.deps.hints.notify('trust-a', { kind: 'directory', version: 1 });
      await waitFor('desk A told of the directory', () => directoryChecks.length > checksBefore);
      let last = -1;
      await waitFor('desk A quiet', async () => {
        const seen = pulls.length;
        await new Promise((r) => setTimeout(r, 200));
        const quiet = seen === last && seen === pulls.length && a.status().activity === 'idle';
        last = seen;
        return quiet;
      });
    };
    await waitFor('desk A online', () => pulls.length > 0 && a.status().connection === 'online');
    await barrier(); // its first pulls (start, the stream's `ready`) are done
    const pullsBefore = pulls.length;

    const own = await a.createDraft('Synthetic: autosaved on desk A');
    const again = await a.edit(own.id, (c) => {
      c.presentingNeed.summary = 'Synthetic: autosaved on desk A, then again';
    });
    await waitFor('desk A’s draft on the server', async () => (await serverRecord(own.id))?.content.presentingNeed.summary === again.content.presentingNeed.summary);
    // The clinician's other desk is told and pulls it: the hints went out.
    await waitFor('desk A’s draft on desk B', async () => (await b.call<CallRecord>('calls.get', { id: own.id })).content.presentingNeed.summary === again.content.presentingNeed.summary);
    await barrier();
    expect(pulls.length).toBe(pullsBefore);

    // Desk B writes; desk A autosaves right after: A still pulls B's draft.
    const theirs = await b.createDraft('Synthetic: written on desk B meanwhile');
    const mine = await a.createDraft('Synthetic: desk A again');
    await waitFor('desk B’s draft on desk A', async () => (await a.call<CallRecord>('calls.get', { id: theirs.id })).content.presentingNeed.summary === 'Synthetic: written on desk B meanwhile');
    await waitFor('desk A’s second draft on desk B', async () => (await b.call<CallSummary[]>('calls.list', {})).some((r) => r.id === mine.id));
    expect(pulls.length).toBeGreaterThan(pullsBefore);
  });

  it('pushes a long outage’s queue batch after batch, recording each answer while the next batch is on its way; a lost answer is replayed, nothing applied twice', async () => {
    let down = true;
    let pushes = 0;
    let lost = false;
    const network: typeof fetch = async (input, init) => {
      if (down) throw new TypeError('fetch failed (test: network down)');
      const res = await fetch(input, init);
      const url = String(input instanceof Request ? input.url : input);
      // The second batch reaches the server and is applied, but its answer never comes back.
      if (url.includes('/v1/sync/push') && ++pushes === 2) {
        lost = true;
        await res.body?.cancel();
        throw new TypeError('fetch failed (test: connection dropped before the answer)');
      }
      return res;
    };
    const desk = new TestDesk({ serverUrl: base, tokens: new TestTokens(server.tokenFor, USERS.a1Clinician2), timeoutMs: 5000, idleTimeoutMs: 5000, fetch: network });
    desks.push(desk);
    await waitFor('the desk offline', () => desk.status().connection === 'offline');
    // More than two of the server's largest batches (500).
    const ids: string[] = [];
    for (let i = 0; i < 1100; i++) ids.push((await desk.call<CallRecord>('calls.create', {})).id);
    expect(desk.status().waiting).toBeGreaterThanOrEqual(1100);
    down = false;
    await desk.call('sync.now');
    await waitFor('the lost answer', () => lost, 60_000);
    await desk.call('sync.now');
    await waitFor('an empty queue', () => desk.status().waiting === 0, 60_000);
    expect(desk.status()).toMatchObject({ conflicts: 0, rejected: 0, paused: null });
    expect(pushes).toBeGreaterThanOrEqual(4);
    const [held] = await opened.db.query<{ records: string | number; revisions: string | number }>(
      'SELECT count(*) AS records, coalesce(sum(revision), 0) AS revisions FROM call_record WHERE id = ANY($1::uuid[])',
      [ids],
    );
    // Every record once, each at revision 1: the replayed batch was answered duplicate, not applied again.
    expect([Number(held!.records), Number(held!.revisions)]).toEqual([1100, 1100]);
    // Every record knows its server revision (each batch's answers were recorded).
    expect(desk.core.desk.db.prepare('SELECT count(*) FROM call_record WHERE base_revision = 1').pluck().get()).toBe(1100);
  }, 120_000);

  it('claims the next batch while the one before it is in flight: autosave no longer rewrites those changes, and a failed flight still sends each once', async () => {
    let down = true;
    let pushes = 0;
    let failed = false;
    const network: typeof fetch = async (input, init) => {
      if (down) throw new TypeError('fetch failed (test: network down)');
      const url = String(input instanceof Request ? input.url : input);
      // The first batch never reaches the server: the one behind it was claimed meanwhile.
      if (url.includes('/v1/sync/push') && ++pushes === 1) {
        await new Promise((r) => setTimeout(r, 200));
        failed = true;
        throw new TypeError('fetch failed (test: connection dropped)');
      }
      return fetch(input, init);
    };
    const desk = new TestDesk({ serverUrl: base, tokens: new TestTokens(server.tokenFor, USERS.a1Clinician2), timeoutMs: 5000, idleTimeoutMs: 5000, fetch: network });
    desks.push(desk);
    await waitFor('the desk offline', () => desk.status().connection === 'offline');
    const ids: string[] = [];
    for (let i = 0; i < 700; i++) ids.push((await desk.call<CallRecord>('calls.create', {})).id);
    const db = desk.core.desk.db;
    // 1 for each of the record's changes handed to the network (within its stream's claimed_seq).
    const claimed = (id: string) =>
      db.prepare('SELECT o.stream_seq <= s.claimed_seq FROM outbox o JOIN sync_stream s ON s.id = o.stream_id WHERE o.record_id = ? ORDER BY o.seq').pluck().all(id);
    down = false;
    await desk.call('sync.now');
    await waitFor('the failed flight', () => failed, 30_000);
    // The second batch (the changes after the first 500) was claimed while the first was in flight.
    const behind = ids[650]!;
    expect(claimed(behind)).toEqual([1]);
    expect(await serverRecord(behind)).toBeUndefined();
    // So a save now queues a change of its own instead of rewriting one that may have gone out.
    await desk.edit(behind, (c) => (c.presentingNeed.summary = 'Synthetic: written while the batch before was in flight'));
    expect(claimed(behind)).toEqual([1, 0]);
    await desk.call('sync.now');
    await waitFor('an empty queue', () => desk.status().waiting === 0, 60_000);
    expect(desk.status()).toMatchObject({ conflicts: 0, rejected: 0, paused: null });
    const [held] = await opened.db.query<{ records: string | number; revisions: string | number }>(
      'SELECT count(*) AS records, coalesce(sum(revision), 0) AS revisions FROM call_record WHERE id = ANY($1::uuid[])',
      [ids],
    );
    // Every record once; the edited one twice revised (created, then the save), the rest once.
    expect([Number(held!.records), Number(held!.revisions)]).toEqual([700, 701]);
    expect((await serverRecord(behind))!.content.presentingNeed.summary).toBe('Synthetic: written while the batch before was in flight');
  }, 120_000);

  it('coalesces status events: a burst of saves is told once, and the last event carries the final state', async () => {
    // A desk whose server is unreachable (port 1 of loopback is closed): every save queues a change.
    const desk = new TestDesk({ serverUrl: 'http://127.0.0.1:1', tokens: new TestTokens(server.tokenFor, USERS.a1Clinician), timeoutMs: 5000, idleTimeoutMs: 5000 });
    desks.push(desk);
    await waitFor('the desk offline', () => desk.status().connection === 'offline' && desk.status().activity === 'idle');
    const events: SyncStatus[] = [];
    const stop = desk.core.on('sync.status', (s) => events.push(s));
    const waitingBefore = desk.status().waiting;
    // 30 saves in one go (each would have sent a status event of its own).
    for (let i = 0; i < 30; i++) await desk.call('calls.create', {});
    expect(events.length).toBeLessThanOrEqual(1);
    const waiting = desk.status().waiting;
    expect(waiting).toBeGreaterThanOrEqual(waitingBefore + 30);
    // The burst is told once more when the frame is up, with the state after the last save.
    await waitFor('the final state told', () => events.at(-1)?.waiting === waiting);
    stop();
  });

  it('keeps both texts when two desks change the same draft, and sends the one the clinician keeps', async () => {
    const a = newDesk();
    const b = newDesk();
    const draft = await a.desk.createDraft('Synthetic: original');
    await waitFor('the record on desk B', async () => (await b.desk.call<CallRecord>('calls.get', { id: draft.id }).catch(() => null))?.content.presentingNeed.summary === 'Synthetic: original');
    // Desk A is signed out while desk B changes the record, so A edits without seeing B's change.
    a.tokens.setSignedIn(false);
    await waitFor('desk A paused', () => a.desk.status().paused?.reason === 'sign_in');
    await b.desk.edit(draft.id, (c) => (c.presentingNeed.summary = 'Synthetic: desk B version'));
    await waitFor('B on the server', async () => (await serverRecord(draft.id))?.content.presentingNeed.summary === 'Synthetic: desk B version');
    await a.desk.edit(draft.id, (c) => (c.presentingNeed.summary = 'Synthetic: desk A version'));
    expect(a.desk.status().waiting).toBeGreaterThan(0);
    a.tokens.setSignedIn(true);
    const [conflict] = await waitFor('a conflict on desk A', async () => {
      const list = await a.desk.call<ConflictView[]>('sync.conflicts');
      return list.length > 0 ? list : null;
    });
    expect(conflict!.localContent.presentingNeed.summary).toBe('Synthetic: desk A version');
    expect(conflict!.serverContent!.presentingNeed.summary).toBe('Synthetic: desk B version');
    // The server kept B's text: nothing was overwritten.
    expect((await serverRecord(draft.id))!.content.presentingNeed.summary).toBe('Synthetic: desk B version');
    await a.desk.call('sync.resolveConflict', { id: conflict!.id, choice: 'keep_mine' });
    await waitFor('A’s text on the server', async () => (await serverRecord(draft.id))?.content.presentingNeed.summary === 'Synthetic: desk A version');
    expect(await a.desk.call<ConflictView[]>('sync.conflicts')).toEqual([]);
    expect(a.desk.status().conflicts).toBe(0);
  });

  it('a healthy server: the hints stream outlives many request timeouts and the desk never shows offline', async () => {
    // A header timeout of 1 s, and 8 s watched: on a whole-request deadline the stream was cut at
    // every timeout (every ~21 s with the defaults) and the desk flipped to offline each time.
    const desk = new TestDesk({ serverUrl: base, tokens: new TestTokens(server.tokenFor, USERS.a1Clinician), timeoutMs: 1000, idleTimeoutMs: 5000 });
    desks.push(desk);
    await waitFor('online and the directory in place', () => desk.status().connection === 'online' && desk.core.directory.info().services > 0 && desk.status().activity === 'idle');
    const seen: SyncStatus[] = [];
    const stop = desk.core.on('sync.status', (s) => seen.push(s));
    await new Promise((r) => setTimeout(r, 8000));
    stop();
    expect(seen.filter((s) => s.connection !== 'online')).toEqual([]);
    expect(desk.status()).toMatchObject({ connection: 'online', offlineSince: null, lastRefusal: null });
    // The stream is still the one it opened: a hint sent now arrives through it.
    const before = desk.core.directory.info().version;
    await publishAndDistribute(server.deps, 'trust-a', services.slice(0, 300), { source: 'test', complete: true });
    await waitFor('the catch-up the hint asked for', () => desk.core.directory.info().version !== before);
  });

  it('a server that refuses is reachable, not offline: the status carries its reason until that part of sync succeeds', async () => {
    // An admin is not a clinician: the server refuses this desk's push (403) with its reason.
    const { desk } = newDesk(new TestTokens(server.tokenFor, USERS.aAdmin));
    await desk.createDraft('Synthetic: written on a desk signed in as an admin');
    // The push is refused (and the pull too: an admin's desk reads no records), each with its reason.
    await waitFor('the push’s refusal in the status', () => desk.status().queues.some((q) => q.state === 'refused'));
    const s = desk.status();
    expect(s.connection).toBe('online');
    expect(s.offlineSince).toBeNull();
    expect(s.lastRefusal).toMatchObject({ status: 403, code: 'forbidden' });
    expect(s.queues).toEqual([expect.objectContaining({ author: expect.objectContaining({ userId: 'a-admin' }), state: 'refused', reason: 'This needs the clinician role.' })]);
    expect(s.waiting).toBeGreaterThan(0);
  });

  it('renews an expired token once, and pauses for a sign-in when the session cannot be renewed', async () => {
    const { desk, tokens } = newDesk();
    await waitFor('online', () => desk.status().connection === 'online');
    tokens.expireNext = true;
    const draft = await desk.createDraft('Synthetic: after an expired token');
    await waitFor('the draft on the server', async () => Boolean(await serverRecord(draft.id)));
    expect(tokens.renewals).toBeGreaterThan(0);

    tokens.signedIn = false;
    tokens.expireNext = false;
    const offline = await desk.createDraft('Synthetic: while signed out');
    await waitFor('paused for sign-in', () => desk.status().paused?.reason === 'sign_in');
    expect(desk.status().waiting).toBeGreaterThan(0);
    expect(await serverRecord(offline.id)).toBeUndefined();
    await desk.call('auth.signIn');
    expect(tokens.signInRequests).toBe(1);
    tokens.setSignedIn(true);
    await waitFor('the draft on the server after sign-in', async () => Boolean(await serverRecord(offline.id)));
    await waitFor('nothing waiting', () => desk.status().waiting === 0 && desk.status().paused === null);
  });
});
