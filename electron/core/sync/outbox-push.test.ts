import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { jsonBytes } from '../../../shared/domain/call-record';
import { completeContent, makeTempDir, openTestDesk, randomKey, type TestDesk, sentMutations } from '../calls/test-fixtures';
import { CHECKPOINT_EVERY_BATCHES, MAX_BATCH_BYTES, OutboxPush } from './outbox-push';

let tmp: ReturnType<typeof makeTempDir>;
let t: TestDesk;
beforeEach(() => {
  tmp = makeTempDir();
  t = openTestDesk(tmp.dir, randomKey());
});
afterEach(() => {
  t.close();
  tmp.remove();
});

describe('a push batch', () => {
  it('is sized in the bytes it is sent as, so drafts of accented text never exceed the server’s body limit', () => {
    // Three drafts of 300,000 '€' each: 900 KB apiece on the wire, a third of that in characters.
    for (let i = 0; i < 3; i++) {
      const draft = t.calls.create({});
      t.calls.save({ id: draft.id, revision: 1, content: completeContent(draft.content.startedAt, '€'.repeat(300_000)) });
    }
    const outbox = new OutboxPush(t.desk.db, () => new Date());
    const [stream] = outbox.streams();
    const batch = outbox.claim(stream!.streamId)!;
    const bytes = sentMutations(batch).reduce((n, m) => n + jsonBytes(m), 0);
    expect(bytes).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(sentMutations(batch)).toHaveLength(2);
    // Even one change over the batch size goes, on its own.
    expect(sentMutations(outbox.claim(stream!.streamId, { maxMutations: 200, maxBytes: 1000 })!)).toHaveLength(1);
  });
});

describe('desk.db checkpoints during a push', () => {
  it('are held off while a stream is pushed, every few batches excepted, and run once it is done', async () => {
    const outbox = new OutboxPush(t.desk.db, () => new Date());
    const pragma = vi.spyOn(t.desk.db, 'pragma');
    const checkpoints = () => pragma.mock.calls.filter(([p]) => p === 'wal_checkpoint(PASSIVE)').length;
    const before = t.desk.db.pragma('wal_autocheckpoint', { simple: true });
    expect(before).toBeGreaterThan(0);

    const hold = outbox.holdCheckpoints();
    expect(t.desk.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    for (let i = 1; i < CHECKPOINT_EVERY_BATCHES; i++) hold.settled();
    expect(checkpoints()).toBe(0);
    // A long push still checkpoints now and then, so the WAL stays bounded.
    hold.settled();
    expect(checkpoints()).toBe(1);

    hold.release();
    expect(t.desk.db.pragma('wal_autocheckpoint', { simple: true })).toBe(before);
    // Not in the turn that ends the push (its status goes first): just after.
    expect(checkpoints()).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(checkpoints()).toBe(2);
    hold.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(checkpoints()).toBe(2);
  });

  it('are held and restored around a real push of more than one batch, with every change settled once', async () => {
    for (let i = 0; i < 5; i++) {
      const draft = t.calls.create({});
      t.calls.save({ id: draft.id, revision: 1, content: completeContent(draft.content.startedAt, `call ${i}`) });
    }
    const outbox = new OutboxPush(t.desk.db, () => new Date());
    const [stream] = outbox.streams();
    const hold = outbox.holdCheckpoints();
    let batch = outbox.claim(stream!.streamId, { maxMutations: 2 });
    let settled = 0;
    while (batch) {
      const sent = sentMutations(batch);
      const outcome = outbox.settle(stream!.streamId, sent.map((m) => ({ seq: m.seq, mutationId: m.mutationId, status: 'applied' as const, serverRevision: 1, reason: null, serverContent: null })), batch.lastSeq);
      settled += outcome.applied;
      hold.settled();
      batch = outbox.claim(stream!.streamId, { maxMutations: 2 });
    }
    hold.release();
    expect(settled).toBeGreaterThanOrEqual(5);
    expect(outbox.pendingCount()).toBe(0);
    expect(t.desk.db.pragma('wal_autocheckpoint', { simple: true })).toBeGreaterThan(0);
  });
});
