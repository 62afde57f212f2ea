import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESK_HEADER, type SyncHint } from '../../../shared/sync/protocol';
import { createTestServer, seedTestUsers, USERS, type TestServer, type TestUser } from '../../../test/support/server-fixtures';
import { completeContent, newRecordId, ScriptedDesk, SERVER_DATABASES } from '../../../test/support/sync-fixtures';
import { createTestDatabase } from '../../../test/support/test-database';
import { loadConfig } from '../config';
import { connectPostgres, openPglite, type Db } from '../db/db';
import { migrate } from '../db/migrations';
import { createHintBus } from '../hints/create-hint-bus';
import { createPgHintBus, HINT_CHANNEL, type PgHintBus } from '../hints/pg-hint-bus';
import type { Hint } from '../app';
import { createHintRoutes } from './hint-routes';
import { syncRoutes } from './sync-routes';

/** A hint stream read over real HTTP, collecting what arrives. */
interface OpenStream {
  status: number;
  events: SyncHint[];
  text: () => string;
  ended: Promise<void>;
  close: () => void;
}

async function openStream(baseUrl: string, server: TestServer, user: TestUser | null, desk?: string): Promise<OpenStream> {
  const abort = new AbortController();
  const headers: Record<string, string> = { ...(user ? await server.auth(user) : {}), ...(desk ? { [DESK_HEADER]: desk } : {}) };
  const res = await fetch(`${baseUrl}/v1/sync/hints`, { headers, signal: abort.signal });
  const events: SyncHint[] = [];
  let text = '';
  const ended = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body!) {
        text += decoder.decode(chunk as Uint8Array, { stream: true });
        events.splice(0, events.length, ...parseEvents(text));
      }
    } catch {
      // aborted by the test
    }
  })();
  return { status: res.status, events, text: () => text, ended, close: () => abort.abort() };
}

/** The complete events in a stream's text so far (comments and the retry line skipped). */
function parseEvents(text: string): SyncHint[] {
  return text
    .split('\n\n')
    .slice(0, -1)
    .map((block) => block.split('\n').find((line) => line.startsWith('data:')))
    .filter((data) => data !== undefined)
    .map((data) => JSON.parse(data.slice(5)) as SyncHint);
}

async function until(test: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 150));

describe.each(SERVER_DATABASES)('hint stream on %s', (_name, open) => {
  let db: Db;
  let drop: () => Promise<void>;
  let server: TestServer;
  let baseUrl: string;
  beforeAll(async () => {
    ({ db, drop } = await open());
    server = await createTestServer(db, [syncRoutes, createHintRoutes({ keepAliveMs: 40 })]);
    baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await db.close();
    await drop();
  });

  it('needs a token', async () => {
    const s = await openStream(baseUrl, server, null);
    expect(s.status).toBe(401);
    s.close();
  });

  it('tells the record’s owner and their team lead to pull, and nobody else; a directory hint goes to the whole trust', async () => {
    const who = [USERS.a1Clinician, USERS.a1Clinician2, USERS.a1Lead, USERS.a2Clinician, USERS.aAdmin, USERS.b1Clinician, USERS.b1Lead] as const;
    const streams = await Promise.all(who.map((u) => openStream(baseUrl, server, u)));
    expect(streams.map((s) => s.status)).toEqual(who.map(() => 200));
    await until(() => streams.every((s) => s.events.length === 1), 'ready on every stream');
    expect(streams.every((s) => s.events[0]!.kind === 'ready')).toBe(true);

    const desk = new ScriptedDesk();
    const batch = desk.request([desk.upsert(newRecordId(), completeContent())]);
    const r = await server.app.inject({ method: 'POST', url: '/v1/sync/push', payload: batch, headers: await server.auth(USERS.a1Clinician) });
    expect(r.statusCode).toBe(200);
    await until(() => streams[0]!.events.length === 2 && streams[2]!.events.length === 2, 'records hints');
    await settle();
    expect(streams.map((s) => s.events.slice(1))).toEqual([[{ kind: 'records' }], [], [{ kind: 'records' }], [], [], [], []]);

    // A push that changes nothing (a replay) sends no hint.
    const replay = await server.app.inject({ method: 'POST', url: '/v1/sync/push', payload: batch, headers: await server.auth(USERS.a1Clinician) });
    expect(replay.json().results[0].status).toBe('duplicate');
    await server.deps.hints.notify('trust-a', { kind: 'directory', version: 12 });
    // Every stream of trust A gets it (on a loaded machine NOTIFY reaches them at different times);
    // then a pause, in which trust B's streams must stay silent.
    await until(() => [3, 2, 3, 2, 2].every((n, i) => streams[i]!.events.length === n), 'directory hint on every stream of the trust');
    await settle();
    expect(streams.map((s) => s.events.slice(1).map((e) => e.kind))).toEqual([
      ['records', 'directory'], ['directory'], ['records', 'directory'], ['directory'], ['directory'], [], [],
    ]);
    expect(streams[0]!.events[2]).toEqual({ kind: 'directory', version: 12 });
    for (const s of streams) s.close();
  });

  it('tells the record’s clinician, not only the sender, when a teammate adds an addendum to their record', async () => {
    const day = new ScriptedDesk();
    const id = newRecordId();
    const content = completeContent();
    const done = await server.app.inject({ method: 'POST', url: '/v1/sync/push', payload: day.request([day.upsert(id, content), day.finalise(id, content)]), headers: await server.auth(USERS.a1Clinician) });
    expect(done.statusCode).toBe(200);
    const who = [USERS.a1Clinician, USERS.a1Clinician2, USERS.a1Lead] as const;
    const streams = await Promise.all(who.map((u) => openStream(baseUrl, server, u)));
    await until(() => streams.every((s) => s.events.length === 1), 'ready on every stream');
    const night = new ScriptedDesk();
    const r = await server.app.inject({ method: 'POST', url: '/v1/sync/push', payload: night.request([night.addendum(id, 'Synthetic: handover note.')]), headers: await server.auth(USERS.a1Clinician2) });
    expect(r.json().results[0].status).toBe('applied');
    await until(() => streams[0]!.events.length === 2 && streams[2]!.events.length === 2, 'records hints');
    await settle();
    // The sender's own desk already has it; the record's clinician and the lead are told to pull.
    expect(streams.map((s) => s.events.slice(1))).toEqual([[{ kind: 'records' }], [], [{ kind: 'records' }]]);
    for (const s of streams) s.close();
  });

  it('does not tell the desk that pushed a change to pull it back; the clinician’s other desks and the lead are told', async () => {
    const [deskX, deskY] = [crypto.randomUUID(), crypto.randomUUID()];
    const streams = await Promise.all([
      openStream(baseUrl, server, USERS.a1Clinician, deskX),
      openStream(baseUrl, server, USERS.a1Clinician, deskY),
      openStream(baseUrl, server, USERS.a1Lead, crypto.randomUUID()),
    ]);
    await until(() => streams.every((s) => s.events.length === 1), 'ready on every stream');
    const desk = new ScriptedDesk();
    const fromX = await server.app.inject({
      method: 'POST', url: '/v1/sync/push', payload: desk.request([desk.upsert(newRecordId(), completeContent())]),
      headers: { ...(await server.auth(USERS.a1Clinician)), [DESK_HEADER]: deskX },
    });
    expect(fromX.json().results[0].status).toBe('applied');
    await until(() => streams[1]!.events.length === 2 && streams[2]!.events.length === 2, 'records hints');
    await settle();
    expect(streams.map((s) => s.events.slice(1).map((e) => e.kind))).toEqual([[], ['records'], ['records']]);

    // A push that names no desk (or a malformed one) is hinted to every desk of the owner, the sender's included.
    const unnamed = await server.app.inject({
      method: 'POST', url: '/v1/sync/push', payload: desk.request([desk.upsert(newRecordId(), completeContent())]),
      headers: { ...(await server.auth(USERS.a1Clinician)), [DESK_HEADER]: 'not a desk id!' },
    });
    expect(unnamed.json().results[0].status).toBe('applied');
    await until(() => streams[0]!.events.length === 2 && streams[1]!.events.length === 3, 'records hints to every desk');
    for (const s of streams) s.close();
  });

  it('keeps a quiet stream alive with comment lines', async () => {
    const s = await openStream(baseUrl, server, USERS.a1Clinician);
    await until(() => s.text().includes(': keep-alive\n\n'), 'a keep-alive');
    s.close();
  });
});

describe('hint stream shutdown', () => {
  it('ends open streams when the server closes, so shutdown does not wait on them', async () => {
    const db = await openPglite();
    await migrate(db);
    await seedTestUsers(db);
    const server = await createTestServer(db, [createHintRoutes({ keepAliveMs: 60_000 })]);
    const baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const s = await openStream(baseUrl, server, USERS.a1Lead);
    await until(() => s.events.length === 1, 'ready');
    const started = Date.now();
    await server.close();
    await s.ended;
    expect(Date.now() - started).toBeLessThan(2000);
    await db.close();
  });

  it('ends a stream after its maximum lifetime, so a token is checked again on reconnecting', async () => {
    const db = await openPglite();
    await migrate(db);
    await seedTestUsers(db);
    const server = await createTestServer(db, [createHintRoutes({ maxStreamMs: 100 })]);
    const baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const s = await openStream(baseUrl, server, USERS.a1Lead);
    await s.ended;
    expect(s.events).toEqual([{ kind: 'ready' }]);
    await server.close();
    await db.close();
  });
});

describe('hints across API nodes over one PostgreSQL (LISTEN/NOTIFY)', () => {
  let url: string;
  let dropDb: () => Promise<void>;
  let db: Db;
  const buses: PgHintBus[] = [];
  const bus = async () => {
    const b = createPgHintBus({ db, connectionString: url, maxReconnectMs: 200 });
    buses.push(b);
    await b.ready;
    return b;
  };
  beforeAll(async () => {
    const t = await createTestDatabase();
    ({ url } = t);
    dropDb = t.drop;
    db = connectPostgres(url);
    await migrate(db);
    await seedTestUsers(db);
  });
  afterAll(async () => {
    for (const b of buses) await b.close();
    await db.close();
    await dropDb();
  });

  it('delivers a hint sent on one node to the listeners of its trust on every node', async () => {
    const [node1, node2] = [await bus(), await bus()];
    const got: [string, Hint][] = [];
    node1.subscribe('trust-a', (h) => got.push(['node1 trust-a', h]));
    node2.subscribe('trust-a', (h) => got.push(['node2 trust-a', h]));
    node2.subscribe('trust-b', (h) => got.push(['node2 trust-b', h]));
    const hint: Hint = { kind: 'records', teamId: 'team-a1', clinicianId: 'a1-clin' };
    await node1.notify('trust-a', hint);
    await until(() => got.length === 2, 'both nodes');
    await settle();
    expect(got.sort()).toEqual([['node1 trust-a', hint], ['node2 trust-a', hint]]);
  });

  it('ignores a NOTIFY on its channel that is not a hint', async () => {
    const node = await bus();
    const got: Hint[] = [];
    node.subscribe('trust-a', (h) => got.push(h));
    await db.query('SELECT pg_notify($1, $2)', [HINT_CHANNEL, 'not json']);
    await db.query('SELECT pg_notify($1, $2)', [HINT_CHANNEL, JSON.stringify({ trustId: 'trust-a', hint: { kind: 'surprise' } })]);
    await node.notify('trust-a', { kind: 'directory', version: 3 });
    await until(() => got.length === 1, 'the real hint');
    expect(got).toEqual([{ kind: 'directory', version: 3 }]);
  });

  it('listens again after losing its connection', async () => {
    const node = await bus();
    const got: Hint[] = [];
    node.subscribe('trust-b', (h) => got.push(h));
    await db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()");
    const deadline = Date.now() + 5000;
    while (got.length === 0 && Date.now() < deadline) {
      await node.notify('trust-b', { kind: 'directory', version: 9 });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(got[0]).toEqual({ kind: 'directory', version: 9 });
  });

  it('carries a push on one API node to a desk connected to another', async () => {
    const [node1, node2] = await Promise.all([createTestServer(db, [syncRoutes]), createTestServer(db, [createHintRoutes()])]);
    // Each node gets its own LISTEN/NOTIFY bus in place of the in-process one the fixture made.
    Object.assign(node1.deps, { hints: await bus() });
    Object.assign(node2.deps, { hints: await bus() });
    const baseUrl = await node2.app.listen({ host: '127.0.0.1', port: 0 });
    const lead = await openStream(baseUrl, node2, USERS.a1Lead);
    await until(() => lead.events.length === 1, 'ready');
    const desk = new ScriptedDesk();
    const r = await node1.app.inject({ method: 'POST', url: '/v1/sync/push', payload: desk.request([desk.upsert(newRecordId(), completeContent())]), headers: await node1.auth(USERS.a1Clinician) });
    expect(r.statusCode).toBe(200);
    await until(() => lead.events.length === 2, 'the records hint on the other node');
    expect(lead.events[1]).toEqual({ kind: 'records' });
    lead.close();
    await node1.app.close();
    await node2.app.close();
  });

  it('is what a server on PostgreSQL uses; PGlite keeps hints in process', async () => {
    const pgBus = createHintBus(db, loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent' }));
    expect('ready' in pgBus).toBe(true);
    await pgBus.close();
    const lite = await openPglite();
    const localBus = createHintBus(lite, loadConfig({ LOG_LEVEL: 'silent' }));
    expect('ready' in localBus).toBe(false);
    await localBus.close();
    await lite.close();
  });
});
