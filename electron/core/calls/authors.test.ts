import Database from 'better-sqlite3-multiple-ciphers';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoreError, type ErrorCode } from '../../../shared/contract';
import type { CallRecordContent } from '../../../shared/domain/call-record';
import { MIGRATIONS, runMigrations } from '../db/migrations';
import { OutboxPush } from '../sync/outbox-push';
import { Outbox } from './outbox';
import { completeContent, makeTempDir, openTestDesk, PEOPLE, randomKey, type TestDesk, sentMutations } from './test-fixtures';

/*
 * Who made each change on a desk used by several people in turn (DESIGN.md §5): every revision,
 * addendum and queued change is filed under the desk user who made it, each author's changes
 * form a stream of their own, and what is written while nobody is signed in stays nobody's until
 * someone claims it.
 */

let tmp: ReturnType<typeof makeTempDir>;
let key: Buffer;
let t: TestDesk;
let outbox: OutboxPush;

beforeEach(() => {
  tmp = makeTempDir();
  key = randomKey();
  t = openTestDesk(tmp.dir, key);
  outbox = new OutboxPush(t.desk.db, () => new Date());
});
afterEach(() => {
  t.close();
  tmp.remove();
});

const day = { userId: PEOPLE.day.userId, displayName: PEOPLE.day.displayName };
const night = { userId: PEOPLE.night.userId, displayName: PEOPLE.night.displayName };

function errorOf(fn: () => unknown): CoreError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CoreError) return e;
    throw e;
  }
  throw new Error('expected a CoreError');
}
const expectCode = (fn: () => unknown, code: ErrorCode) => {
  const e = errorOf(fn);
  expect(e.code).toBe(code);
  return e;
};

const withSummary = (c: CallRecordContent, summary: string): CallRecordContent => ({ ...c, presentingNeed: { ...c.presentingNeed, summary } });
const queued = () =>
  t.desk.db.prepare('SELECT seq, record_id, kind, author_id, stream_id, stream_seq FROM outbox ORDER BY seq').all() as {
    seq: number;
    record_id: string;
    kind: string;
    author_id: string | null;
    stream_id: string | null;
    stream_seq: number | null;
  }[];

function finalised(summary = 'Synthetic: finalised') {
  const draft = t.calls.create({});
  const saved = t.calls.save({ id: draft.id, revision: 1, content: completeContent(draft.content.startedAt, summary) });
  return t.calls.finalise({ id: draft.id, revision: saved.revision });
}

describe('every change records who made it', () => {
  it('files each revision, the finalise, the addendum and each queued change under the desk user, and shows them on the record', () => {
    const record = finalised();
    expect(record).toMatchObject({ createdBy: day, updatedBy: day, finalisedBy: day, discardedBy: null, unclaimedChanges: 0 });
    t.signIns.signInAs(PEOPLE.night);
    // A handover: the night clinician adds to the day clinician's finalised record.
    const note = t.calls.addAddendum({ id: record.id, text: 'Synthetic: night shift called back.', authorId: night.userId });
    expect(note.author).toEqual(night);
    const shown = t.calls.get(record.id);
    expect(shown).toMatchObject({ createdBy: day, finalisedBy: day });
    expect(shown.addenda.map((a) => a.author)).toEqual([night]);
    expect(t.calls.revisions(record.id).map((r) => [r.kind, r.author])).toEqual([['create', day], ['edit', day], ['finalise', day]]);
    expect(queued().map((q) => [q.kind, q.author_id])).toEqual([['upsert', day.userId], ['finalise', day.userId], ['addendum', night.userId]]);
    expect(t.calls.list({}).find((c) => c.id === record.id)!.createdBy).toEqual(day);
  });

  it('records who discarded a draft', () => {
    const draft = t.calls.create({});
    expect(t.calls.discard({ id: draft.id, revision: 1, reason: 'Opened by mistake.' })).toMatchObject({ discardedBy: day, createdBy: day });
  });

  it('gives each author a stream of their own, numbered from 1 with no gap, even when a change is rolled back', () => {
    const a = t.calls.create({});
    t.calls.addAddendum({ id: finalised().id, text: 'Synthetic note.' });
    // A change that fails at its last step gives its number back.
    t.desk.db.exec("CREATE TEMP TRIGGER fail_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    expect(() => t.calls.create({})).toThrow(/injected failure/);
    t.desk.db.exec('DROP TRIGGER fail_audit');
    t.signIns.signInAs(PEOPLE.night);
    const b = t.calls.create({});
    t.calls.save({ id: b.id, revision: 1, content: withSummary(b.content, 'night') });
    t.signIns.signInAs(PEOPLE.day);
    t.calls.save({ id: a.id, revision: 1, content: withSummary(a.content, 'day, later') });

    const streams = new Map<string, number[]>();
    for (const q of queued()) streams.set(`${q.author_id}:${q.stream_id}`, [...(streams.get(`${q.author_id}:${q.stream_id}`) ?? []), q.stream_seq!]);
    // Day: a's draft (its later save folded in, never sent), the finalised record's draft, finalise, addendum.
    expect([...streams.values()]).toEqual([[1, 2, 3, 4], [1]]);
    const ids = new Set(queued().map((q) => q.stream_id));
    expect(ids.size).toBe(2);
    expect([...ids]).not.toContain(t.desk.clientId);

    // The push sees each author's stream, and a batch holds only that author's changes, in seq order.
    expect(outbox.streams().map((s) => [s.authorId, s.waiting])).toEqual([[day.userId, 4], [night.userId, 1]]);
    const nightStream = outbox.streams().find((s) => s.authorId === night.userId)!;
    const batch = outbox.claim(nightStream.streamId)!;
    expect(sentMutations(batch).map((m) => [m.seq, m.recordId])).toEqual([[1, b.id]]);
    expect(batch.streamId).toBe(nightStream.streamId);
  });

  it('never folds one author’s unsent draft into another’s queued change', () => {
    t.session.signOut();
    const draft = t.calls.create({});
    t.calls.save({ id: draft.id, revision: 1, content: withSummary(draft.content, 'nobody') });
    t.signIns.signInAs(PEOPLE.day);
    t.calls.claim([draft.id], day.userId);
    t.calls.save({ id: draft.id, revision: 2, content: withSummary(draft.content, 'day') });
    // Claimed into day's stream, then day's next save replaces it (same author, never sent).
    expect(queued().map((q) => [q.author_id, q.stream_seq])).toEqual([[day.userId, 1]]);
  });
});

describe('whose draft it is', () => {
  it('lets only the person who started a draft change, finalise or discard it, and says whose it is', () => {
    const draft = t.calls.create({});
    t.signIns.signInAs(PEOPLE.night);
    for (const change of [
      () => t.calls.save({ id: draft.id, revision: 1, content: withSummary(draft.content, 'night') }),
      () => t.calls.finalise({ id: draft.id, revision: 1 }),
      () => t.calls.discard({ id: draft.id, revision: 1, reason: 'x' }),
    ]) {
      expect(expectCode(change, 'record_not_yours').message).toBe(
        'This draft was started by Day Clinician (synthetic): only they can change, finalise or discard it. It is shown read-only.',
      );
    }
    expect(t.calls.get(draft.id)).toMatchObject({ revision: 1, status: 'draft' });
    expect(queued()).toHaveLength(1);
  });

  it('keeps the desk user when their session ends by itself, and across a restart, until they sign out', () => {
    const draft = t.calls.create({});
    t.signIns.end();
    expect(t.session.view()).toMatchObject({ user: { userId: day.userId }, state: 'ended' });
    const saved = t.calls.save({ id: draft.id, revision: 1, content: withSummary(draft.content, 'after the session ended') });
    t.close();
    t = openTestDesk(tmp.dir, key, { user: null }); // as the browser host after a restart: it remembers no session
    expect(t.session.view()).toMatchObject({ user: { userId: day.userId }, state: 'ended' });
    t.calls.save({ id: draft.id, revision: saved.revision, content: withSummary(draft.content, 'after a restart') });
    expect(queued().every((q) => q.author_id === day.userId)).toBe(true);
    t.session.signOut();
    expect(t.session.view()).toEqual({ user: null, state: 'signed_out' });
    expectCode(() => t.calls.save({ id: draft.id, revision: saved.revision + 1, content: draft.content }), 'record_not_yours');
    const actions = t.desk.db.prepare("SELECT action, detail FROM audit WHERE action IN ('sign_in', 'sign_out') ORDER BY seq").all();
    expect(actions).toEqual([
      { action: 'sign_in', detail: JSON.stringify({ previous: null, user: day.userId }) },
      { action: 'sign_out', detail: JSON.stringify({ user: day.userId }) },
    ]);
  });

  it('refuses a change the screen made for someone who is no longer the desk user, and writes nothing', () => {
    const draft = t.calls.create({ authorId: day.userId });
    t.signIns.signInAs(PEOPLE.night);
    const before = queued().length;
    const e = expectCode(() => t.calls.save({ id: draft.id, revision: 1, authorId: day.userId, content: withSummary(draft.content, 'typed by day') }), 'session_changed');
    expect(e.message).toMatch(/Night Clinician \(synthetic\) is signed in on this desk now/);
    expectCode(() => t.calls.create({ authorId: day.userId }), 'session_changed');
    expectCode(() => t.calls.addAddendum({ id: finalised().id, text: 'x', authorId: null }), 'session_changed');
    expect(queued().length).toBe(before + 2); // only the finalised record's own changes, by night
  });
});

describe('changes made while nobody is signed in', () => {
  beforeEach(() => t.signIns.requestSignOut());

  it('are nobody’s: kept with no author and no stream, never sent, and not given to whoever signs in next', () => {
    const draft = t.calls.create({});
    t.calls.save({ id: draft.id, revision: 1, content: withSummary(draft.content, 'while signed out') });
    expect(t.calls.get(draft.id)).toMatchObject({ createdBy: null, updatedBy: null, unclaimedChanges: 1 });
    expect(queued()).toEqual([expect.objectContaining({ author_id: null, stream_id: null, stream_seq: null })]);
    t.signIns.signInAs(PEOPLE.night);
    expect(outbox.streams()).toEqual([]);
    expect(outbox.waitingByAuthor()).toEqual([{ authorId: null, waiting: 1 }]);
    // Night may not carry on with it before saying it is theirs.
    expect(expectCode(() => t.calls.save({ id: draft.id, revision: 2, content: draft.content }), 'record_not_yours').message).toMatch(/nobody’s yet.*This is mine/);
  });

  it('are filed under the person who claims them, in the order they were made, and the claim is audited', () => {
    const a = t.calls.create({});
    t.calls.save({ id: a.id, revision: 1, content: withSummary(a.content, 'a') });
    const b = t.calls.create({});
    const note = (() => {
      t.signIns.signInAs(PEOPLE.day);
      const r = finalised();
      t.session.signOut();
      return t.calls.addAddendum({ id: r.id, text: 'Synthetic: written while nobody was signed in.' });
    })();
    expect(note.author).toBeNull();
    t.signIns.signInAs(PEOPLE.night);
    expect(t.calls.claim([a.id, note.recordId], night.userId)).toBe(2);
    expect(t.calls.get(a.id)).toMatchObject({ createdBy: night, updatedBy: night, unclaimedChanges: 0 });
    expect(t.calls.revisions(a.id).map((r) => r.author)).toEqual([night, night]);
    expect(t.calls.get(note.recordId).addenda.map((x) => x.author)).toEqual([night]);
    // The day clinician's record stays theirs; only the addendum was night's.
    expect(t.calls.get(note.recordId).createdBy).toEqual(day);
    // b was not claimed: still nobody's.
    expect(t.calls.get(b.id)).toMatchObject({ createdBy: null, unclaimedChanges: 1 });
    const nightStream = outbox.streams().find((s) => s.authorId === night.userId)!;
    expect(sentMutations(outbox.claim(nightStream.streamId)!).map((m) => [m.seq, m.recordId, m.payload.kind])).toEqual([[1, a.id, 'upsert'], [2, note.recordId, 'addendum']]);
    const claims = t.desk.db.prepare("SELECT record_id, detail FROM audit WHERE action = 'claim' ORDER BY seq").all();
    expect(claims).toEqual([
      { record_id: a.id, detail: JSON.stringify({ addenda: 0, author: night.userId, revisions: 2, started: true }) },
      { record_id: note.recordId, detail: JSON.stringify({ addenda: 1, author: night.userId, revisions: 0, started: false }) },
    ]);
    // Claimed once: history is not rewritten afterwards.
    expect(() => t.desk.db.prepare("UPDATE call_revision SET author_id = 'someone-else' WHERE record_id = ?").run(a.id)).toThrow(/cannot be changed/);
    expect(() => t.desk.db.prepare("UPDATE call_record SET created_by = 'someone-else' WHERE id = ?").run(a.id)).toThrow(/never changes/);
  });
});

describe('a desk.db from before authors were recorded', () => {
  it('keeps its queued changes in the desk’s first stream, numbered as before, to be claimed together', () => {
    const file = path.join(tmp.dir, 'v3.db');
    const db = new Database(file);
    runMigrations(db, MIGRATIONS.slice(0, 3));
    const clientId = '0190f0f0-0000-7000-8000-0000000000c1';
    db.prepare("INSERT INTO meta (key, value) VALUES ('client_id', ?), ('sync.last_acked_seq', '4')").run(clientId);
    for (const [id, n] of [['r1', 5], ['r2', 6], ['r1', 7]] as const) {
      db.prepare("INSERT OR IGNORE INTO call_record (id, status, revision, origin_client_id, created_at, updated_at, content) VALUES (?, 'draft', 1, ?, 't', 't', '{}')").run(id, clientId);
      db.prepare("INSERT INTO outbox (seq, mutation_id, record_id, kind, payload, desk_time, attempts) VALUES (?, ?, ?, 'discard', ?, 't', 1)").run(
        n,
        `0190f0f0-0000-7000-8000-00000000000${n}`,
        id,
        JSON.stringify({ kind: 'discard', reason: 'Synthetic.', discardedAt: '2026-01-01T00:00:00.000Z' }),
      );
    }
    runMigrations(db);
    expect(db.prepare('SELECT id, author_id, legacy, next_seq, acked_seq FROM sync_stream').all()).toEqual([{ id: clientId, author_id: null, legacy: 1, next_seq: 8, acked_seq: 4 }]);
    expect(db.prepare('SELECT stream_id, stream_seq, author_id FROM outbox ORDER BY seq').all()).toEqual([5, 6, 7].map((n) => ({ stream_id: clientId, stream_seq: n, author_id: null })));

    // The server numbers that stream already (under whoever used the desk then): claimed whole, or not at all.
    const queue = new Outbox(db, () => new Date());
    expect(expectCode(() => queue.claim(['r1'], 'clin-day'), 'invalid_params').message).toMatch(/2 records were queued .* claimed together/);
    expect(queue.claim(['r1', 'r2'], 'clin-day')).toBe(3);
    const push = new OutboxPush(db, () => new Date());
    expect(push.streams()).toEqual([{ streamId: clientId, authorId: 'clin-day', waiting: 3 }]);
    expect(sentMutations(push.claim(clientId)!).map((m) => m.seq)).toEqual([5, 6, 7]);
    // Day's new changes go to a stream of their own, not into the old one.
    db.prepare("INSERT INTO call_record (id, status, local_revision, origin_client_id, created_at, updated_at, content) VALUES ('r3', 'draft', 1, 'x', 't', 't', '{}')").run();
    queue.enqueue({ recordId: 'r3', baseRevision: null, deskTime: 't', payload: { kind: 'discard', reason: 'x', discardedAt: '2026-01-01T00:00:00.000Z' }, authorId: 'clin-day' });
    expect(db.prepare("SELECT stream_id <> ?, stream_seq FROM outbox WHERE record_id = 'r3'").raw().get(clientId)).toEqual([1, 1]);
    db.close();
  });
});
