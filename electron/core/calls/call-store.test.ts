import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoreError, type ErrorCode } from '../../../shared/contract';
import type { CallRecordContent } from '../../../shared/domain/call-record';
import { MutationPayload } from '../../../shared/sync/protocol';
import { completeContent, makeTempDir, openTestDesk, randomKey, type TestDesk } from './test-fixtures';
import { OutboxPush } from '../sync/outbox-push';

interface OutboxRow {
  seq: number;
  mutation_id: string;
  record_id: string;
  kind: string;
  payload: string;
  base_revision: number | null;
  desk_time: string;
}

let tmp: ReturnType<typeof makeTempDir>;
let key: Buffer;
let t: TestDesk;

beforeEach(() => {
  tmp = makeTempDir();
  key = randomKey();
  t = openTestDesk(tmp.dir, key);
});
afterEach(() => {
  t.close();
  tmp.remove();
});

function reopen(): void {
  t.close();
  t = openTestDesk(tmp.dir, key);
}

function errorOf(fn: () => unknown): CoreError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CoreError) return e;
    throw e;
  }
  throw new Error('expected a CoreError, but the call succeeded');
}

function expectCode(fn: () => unknown, code: ErrorCode): CoreError {
  const e = errorOf(fn);
  expect(e.code).toBe(code);
  return e;
}

const outbox = () => t.desk.db.prepare('SELECT * FROM outbox ORDER BY seq').all() as OutboxRow[];
const count = (table: string) => t.desk.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
const withSummary = (base: CallRecordContent, summary: string): CallRecordContent => ({ ...base, presentingNeed: { ...base.presentingNeed, summary } });

/** A finalised record, created, completed and finalised through the store. */
function finalisedRecord() {
  const draft = t.calls.create({});
  const saved = t.calls.save({ id: draft.id, revision: 1, content: completeContent(draft.content.startedAt) });
  return t.calls.finalise({ id: draft.id, revision: saved.revision });
}

describe('drafts: create, save, get, list, resume', () => {
  it('keeps a draft across closing and reopening desk.db, and carries on saving from its revision', () => {
    const draft = t.calls.create({ contactRoute: 'professional_line' });
    expect(draft).toMatchObject({ status: 'draft', revision: 1, contentHash: null, addenda: [] });
    expect(draft.content.contactRoute).toBe('professional_line');

    const content = withSummary(draft.content, 'Caller resumed after restart — kestrel');
    expect(t.calls.save({ id: draft.id, revision: 1, content })).toMatchObject({ id: draft.id, revision: 2 });

    reopen();
    const [summary] = t.calls.list({});
    expect(summary).toMatchObject({ id: draft.id, status: 'draft', revision: 2 });
    const resumed = t.calls.get(draft.id);
    expect(resumed.revision).toBe(2);
    expect(resumed.content).toEqual(content);
    expect(t.calls.save({ id: draft.id, revision: 2, content: withSummary(content, 'and again') }).revision).toBe(3);
  });

  it('keeps every saved revision with its content', () => {
    const draft = t.calls.create({});
    const summaries = ['first words', 'first words, more', 'first words, more, more'];
    summaries.forEach((s, i) => t.calls.save({ id: draft.id, revision: i + 1, content: withSummary(draft.content, s) }));

    expect(t.calls.revisions(draft.id).map((r) => [r.revision, r.kind])).toEqual([[1, 'create'], [2, 'edit'], [3, 'edit'], [4, 'edit']]);
    const stored = t.desk.db.prepare('SELECT content FROM call_revision WHERE record_id = ? ORDER BY local_revision').pluck().all(draft.id) as string[];
    expect(stored.slice(1).map((c) => (JSON.parse(c) as CallRecordContent).presentingNeed.summary)).toEqual(summaries);
  });

  it('makes no revision when the content has not changed', () => {
    const draft = t.calls.create({});
    expect(t.calls.save({ id: draft.id, revision: 1, content: draft.content }).revision).toBe(1);
    expect(t.calls.revisions(draft.id)).toHaveLength(1);
  });

  it('a save whose answer was lost, sent again on its old revision, lands once and answers the revision it made', () => {
    const draft = t.calls.create({});
    const content = withSummary(draft.content, 'typed just before the connection dropped');
    const first = t.calls.save({ id: draft.id, revision: 1, content });
    const before = { outbox: outbox(), revisions: count('call_revision') };
    // The screen never heard the answer: it sends the same content on the same revision again.
    expect(t.calls.save({ id: draft.id, revision: 1, content })).toEqual(first);
    expect({ outbox: outbox(), revisions: count('call_revision') }).toEqual(before);
    // And then carries on from the revision it now knows.
    expect(t.calls.save({ id: draft.id, revision: first.revision, content: withSummary(content, 'and more') }).revision).toBe(3);
  });

  it('refuses a save made on a stale revision and changes nothing', () => {
    const draft = t.calls.create({});
    t.calls.save({ id: draft.id, revision: 1, content: withSummary(draft.content, 'the newer text') });
    const before = { outbox: outbox(), revisions: count('call_revision'), audit: count('audit') };

    const e = expectCode(() => t.calls.save({ id: draft.id, revision: 1, content: withSummary(draft.content, 'the older text') }), 'revision_conflict');
    expect(e.message).toMatch(/revision 2/);
    expect(t.calls.get(draft.id).content.presentingNeed.summary).toBe('the newer text');
    expect({ outbox: outbox(), revisions: count('call_revision'), audit: count('audit') - 1 /* the get above */ }).toEqual(before);
  });

  it('lists drafts in progress first, labels callers without names, and hides discarded drafts unless asked', () => {
    const finalised = finalisedRecord();
    const named = t.calls.create({});
    const namedContent = completeContent(named.content.startedAt);
    namedContent.caller = { ...namedContent.caller, anonymous: false, type: 'family_carer', name: 'Synthetic Person Quillfeather' };
    t.calls.save({ id: named.id, revision: 1, content: namedContent });
    const discarded = t.calls.create({});
    t.calls.discard({ id: discarded.id, revision: 1, reason: 'Opened by mistake' });

    const list = t.calls.list({});
    expect(list.map((s) => s.id)).toEqual([named.id, finalised.id]);
    expect(list.map((s) => s.callerLabel)).toEqual(['Family member or carer', 'Anonymous caller']);
    expect(JSON.stringify(list)).not.toContain('Quillfeather');
    expect(t.calls.list({ statuses: ['discarded'] }).map((s) => s.id)).toEqual([discarded.id]);
    expect(t.calls.list({ statuses: ['draft', 'finalised', 'discarded'], limit: 1 })).toHaveLength(1);
  });

  it('answers not_found for an id it does not hold', () => {
    const id = '01890000-0000-7000-8000-000000000000';
    const content = completeContent(new Date().toISOString());
    expectCode(() => t.calls.get(id), 'not_found');
    expectCode(() => t.calls.save({ id, revision: 1, content }), 'not_found');
    expectCode(() => t.calls.finalise({ id, revision: 1 }), 'not_found');
    expectCode(() => t.calls.discard({ id, revision: 1, reason: 'x' }), 'not_found');
    expectCode(() => t.calls.addAddendum({ id, text: 'x' }), 'not_found');
    expectCode(() => t.calls.revisions(id), 'not_found');
  });
});

describe('finalising', () => {
  it('refuses an incomplete record, naming the fields to complete, and leaves it a draft', () => {
    const draft = t.calls.create({});
    const e = expectCode(() => t.calls.finalise({ id: draft.id, revision: 1 }), 'finalise_incomplete');
    expect(e.fields?.map((f) => f.field)).toEqual(expect.arrayContaining(['caller.type', 'presentingNeed.summary', 'risk.formulation', 'outcome.code']));
    expect(t.calls.get(draft.id)).toMatchObject({ status: 'draft', revision: 1 });
  });

  it('finalises a complete record: end time set, content hash over its canonical JSON, a new revision', () => {
    const record = finalisedRecord();
    expect(record).toMatchObject({ status: 'finalised', revision: 3 });
    expect(record.content.endedAt).not.toBeNull();
    expect(record.contentHash).toBe(createHash('sha256').update(canonicalize(record.content)!).digest('hex'));
    expect(t.calls.get(record.id)).toMatchObject({ status: 'finalised', contentHash: record.contentHash, finalisedAt: record.finalisedAt });
    expect(t.calls.revisions(record.id).map((r) => r.kind)).toEqual(['create', 'edit', 'finalise']);
  });

  it('refuses every change to a finalised record, through the store and through SQL', () => {
    const record = finalisedRecord();
    const changed = withSummary(record.content, 'rewritten after the fact');
    expectCode(() => t.calls.save({ id: record.id, revision: record.revision, content: changed }), 'record_finalised');
    expect(expectCode(() => t.calls.finalise({ id: record.id, revision: record.revision }), 'record_finalised').message).toMatch(/addendum/);
    expectCode(() => t.calls.discard({ id: record.id, revision: record.revision, reason: 'x' }), 'record_finalised');

    const db = t.desk.db;
    expect(() => db.prepare('UPDATE call_record SET content = ? WHERE id = ?').run(JSON.stringify(changed), record.id)).toThrow(/finalised/);
    expect(() => db.prepare("UPDATE call_record SET status = 'draft' WHERE id = ?").run(record.id)).toThrow(/finalised/);
    expect(() => db.prepare('UPDATE call_record SET content_hash = ? WHERE id = ?').run('0'.repeat(64), record.id)).toThrow(/finalised/);
    expect(() => db.prepare('DELETE FROM call_record WHERE id = ?').run(record.id)).toThrow(/never deleted/);
    expect(() => db.prepare('UPDATE call_revision SET content = ? WHERE record_id = ?').run('{}', record.id)).toThrow(/cannot be changed/);
    expect(() => db.prepare('DELETE FROM call_revision WHERE record_id = ?').run(record.id)).toThrow(/cannot be deleted/);

    const after = t.calls.get(record.id);
    expect(after).toMatchObject({ status: 'finalised', revision: record.revision, contentHash: record.contentHash });
    expect(after.content).toEqual(record.content);
    expect(createHash('sha256').update(canonicalize(after.content)!).digest('hex')).toBe(record.contentHash);
  });
});

describe('addenda', () => {
  it('adds addenda to a finalised record only, and they cannot be changed', () => {
    const draft = t.calls.create({});
    expect(expectCode(() => t.calls.addAddendum({ id: draft.id, text: 'too early' }), 'invalid_params').fields?.[0]?.field).toBe('id');
    const db = t.desk.db;
    expect(() => db.prepare("INSERT INTO call_addendum (id, record_id, created_at, text, content_hash) VALUES ('a', ?, 'now', 'x', 'h')").run(draft.id)).toThrow(/finalised/);

    const record = finalisedRecord();
    const addendum = t.calls.addAddendum({ id: record.id, text: 'Caller rang back: now safe at home.' });
    expect(addendum).toMatchObject({ recordId: record.id, text: 'Caller rang back: now safe at home.' });
    // An ordinary note hashes exactly as addenda always have: id, record, time and text.
    const { contentHash, callbackMadeAt, author, ...fields } = addendum;
    expect(callbackMadeAt).toBeNull();
    expect(author).toEqual({ userId: 'clin-day', displayName: 'Day Clinician (synthetic)' });
    expect(contentHash).toBe(createHash('sha256').update(canonicalize(fields)!).digest('hex'));
    expect(t.calls.get(record.id).addenda).toEqual([addendum]);
    expect(t.calls.get(record.id).revision).toBe(record.revision);

    expect(() => db.prepare("UPDATE call_addendum SET text = 'changed' WHERE id = ?").run(addendum.id)).toThrow(/cannot be changed/);
    expect(() => db.prepare('DELETE FROM call_addendum WHERE id = ?').run(addendum.id)).toThrow(/cannot be deleted/);
  });
});

describe('a callback made after finalising', () => {
  // Finalising refuses a callback already overdue, so these are due after the test's clock.
  const dueTomorrow = new Date(Date.now() + 86_400_000).toISOString();
  const withCallback = (startedAt: string, dueAt: string): CallRecordContent => ({
    ...completeContent(startedAt),
    callback: { required: true, dueAt, phone: '07700 900123', reason: 'Synthetic: check she got home safely.', completedAt: null },
  });
  const finaliseWith = (content: (startedAt: string) => CallRecordContent) => {
    const draft = t.calls.create({});
    const saved = t.calls.save({ id: draft.id, revision: 1, content: content(draft.content.startedAt) });
    return t.calls.finalise({ id: draft.id, revision: saved.revision });
  };

  it('is recorded by an addendum: the record stays unchanged, the list stops showing it due, the outbox carries it', () => {
    const record = finaliseWith((at) => withCallback(at, dueTomorrow));
    expect(t.calls.list({}).find((c) => c.id === record.id)!.callbackDueAt).toBe(dueTomorrow);

    const addendum = t.calls.addAddendum({ id: record.id, text: 'Synthetic: called back at 21:50, home and safe.', callbackMade: true });
    expect(addendum.callbackMadeAt).toBe(addendum.createdAt);
    // The hash covers the callback too: the same text without it would hash differently.
    const { contentHash, author: _author, ...fields } = addendum;
    expect(contentHash).toBe(createHash('sha256').update(canonicalize(fields)!).digest('hex'));
    const after = t.calls.get(record.id);
    expect(after.content).toEqual(record.content);
    expect(after.contentHash).toBe(record.contentHash);
    expect(t.calls.list({}).find((c) => c.id === record.id)!.callbackDueAt).toBeNull();
    const queued = t.desk.db.prepare("SELECT payload FROM outbox WHERE record_id = ? AND kind = 'addendum'").pluck().get(record.id) as string;
    expect(MutationPayload.parse(JSON.parse(queued))).toMatchObject({ kind: 'addendum', callbackMadeAt: addendum.createdAt, contentHash });
    // Only once.
    expect(expectCode(() => t.calls.addAddendum({ id: record.id, text: 'again', callbackMade: true }), 'invalid_params').message).toMatch(/already been recorded as made/);
  });

  it('is refused for a record that asked for no callback', () => {
    const record = finalisedRecord();
    expect(expectCode(() => t.calls.addAddendum({ id: record.id, text: 'Synthetic: rang back.', callbackMade: true }), 'invalid_params').fields?.[0]?.field).toBe('callbackMade');
    expect(t.calls.get(record.id).addenda).toEqual([]);
  });

  it('lists records with a callback still to make before other finalised records, so no limit hides one', () => {
    const owed = finaliseWith((at) => withCallback(at, dueTomorrow));
    for (let i = 0; i < 3; i++) finalisedRecord();
    const listed = t.calls.list({ statuses: ['finalised'], limit: 2 });
    expect(listed[0]!.id).toBe(owed.id);
    t.calls.addAddendum({ id: owed.id, text: 'Synthetic: called back.', callbackMade: true });
    expect(t.calls.list({ statuses: ['finalised'], limit: 2 }).map((c) => c.id)).not.toContain(owed.id);
  });
});

describe('discarding', () => {
  it('marks a draft discarded with its reason, keeps the row and its revisions, and refuses later changes', () => {
    const draft = t.calls.create({});
    t.calls.save({ id: draft.id, revision: 1, content: withSummary(draft.content, 'wrong caller') });
    const discarded = t.calls.discard({ id: draft.id, revision: 2, reason: 'Opened for the wrong call' });
    expect(discarded).toMatchObject({ status: 'discarded', revision: 3, discardReason: 'Opened for the wrong call' });
    expect(discarded.discardedAt).not.toBeNull();

    reopen();
    expect(t.calls.get(draft.id)).toMatchObject({ status: 'discarded', revision: 3 });
    expect(t.calls.get(draft.id).content.presentingNeed.summary).toBe('wrong caller');
    expect(t.calls.revisions(draft.id).map((r) => r.kind)).toEqual(['create', 'edit', 'discard']);
    expectCode(() => t.calls.save({ id: draft.id, revision: 3, content: draft.content }), 'record_discarded');
    expectCode(() => t.calls.finalise({ id: draft.id, revision: 3 }), 'record_discarded');
    expectCode(() => t.calls.addAddendum({ id: draft.id, text: 'x' }), 'record_discarded');
    expect(() => t.desk.db.prepare("UPDATE call_record SET status = 'draft' WHERE id = ?").run(draft.id)).toThrow();
    expect(() => t.desk.db.prepare('DELETE FROM call_record WHERE id = ?').run(draft.id)).toThrow(/never deleted/);
  });
});

describe('outbox', () => {
  it('queues a protocol mutation with each change, coalescing unsent draft upserts', () => {
    const payloads = () => outbox().map((o) => MutationPayload.parse(JSON.parse(o.payload)));
    const draft = t.calls.create({});
    expect(payloads()).toEqual([{ kind: 'upsert', content: draft.content }]);

    t.calls.save({ id: draft.id, revision: 1, content: withSummary(draft.content, 'autosave one') });
    const second = withSummary(draft.content, 'autosave two');
    const saved = t.calls.save({ id: draft.id, revision: 2, content: second });
    let rows = outbox();
    expect(rows).toHaveLength(1);
    expect(payloads()).toEqual([{ kind: 'upsert', content: second }]);
    expect(rows[0]).toMatchObject({ record_id: draft.id, desk_time: saved.savedAt, base_revision: null });

    // Once the sync engine has claimed an entry to send it, it is never changed: the next save queues anew.
    const push = new OutboxPush(t.desk.db, () => new Date());
    expect(push.claim(push.streams()[0]!.streamId)?.size).toBe(1);
    const complete = completeContent(draft.content.startedAt);
    t.calls.save({ id: draft.id, revision: 3, content: complete });
    expect(payloads()).toEqual([{ kind: 'upsert', content: second }, { kind: 'upsert', content: complete }]);

    const record = t.calls.finalise({ id: draft.id, revision: 4 });
    const addendum = t.calls.addAddendum({ id: draft.id, text: 'Later note' });
    expect(payloads().slice(2)).toEqual([
      { kind: 'finalise', content: record.content, contentHash: record.contentHash, finalisedAt: record.finalisedAt },
      { kind: 'addendum', addendumId: addendum.id, text: 'Later note', createdAt: addendum.createdAt, contentHash: addendum.contentHash },
    ]);
    rows = outbox();
    expect(new Set(rows.map((o) => o.mutation_id)).size).toBe(4);
    expect(rows.map((o) => o.seq)).toEqual([1, 2, 3, 4]);

    const other = t.calls.create({});
    const discarded = t.calls.discard({ id: other.id, revision: 1, reason: 'Duplicate' });
    expect(outbox().filter((o) => o.record_id === other.id).map((o) => JSON.parse(o.payload) as unknown)).toEqual([
      { kind: 'upsert', content: other.content },
      { kind: 'discard', reason: 'Duplicate', discardedAt: discarded.discardedAt },
    ]);
  });

  it('writes nothing, outbox included, when any part of a save fails', () => {
    const draft = t.calls.create({});
    t.calls.save({ id: draft.id, revision: 1, content: withSummary(draft.content, 'kept') });
    const before = { outbox: outbox(), revisions: count('call_revision'), audit: count('audit') };

    // Fail the last step of the transaction (the audit entry), after the outbox has been written.
    t.desk.db.exec("CREATE TEMP TRIGGER fail_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    expect(() => t.calls.save({ id: draft.id, revision: 2, content: withSummary(draft.content, 'lost') })).toThrow(/injected failure/);
    expect(() => t.calls.finalise({ id: draft.id, revision: 2 })).toThrow();
    t.desk.db.exec('DROP TRIGGER fail_audit');

    expect({ outbox: outbox(), revisions: count('call_revision'), audit: count('audit') }).toEqual(before);
    expect(t.calls.get(draft.id)).toMatchObject({ revision: 2, status: 'draft' });
    expect(t.calls.get(draft.id).content.presentingNeed.summary).toBe('kept');
  });
});
