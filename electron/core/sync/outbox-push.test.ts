import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonBytes } from '../../../shared/domain/call-record';
import { completeContent, makeTempDir, openTestDesk, randomKey, type TestDesk, sentMutations } from '../calls/test-fixtures';
import { MAX_BATCH_BYTES, OutboxPush } from './outbox-push';

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
