import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerCallRecord } from '../../../shared/sync/protocol';
import { emptyCallRecordContent, type CallRecordContent } from '../../../shared/domain/call-record';
import { SyncIssues } from '../calls/conflicts';
import { makeTempDir, openTestDesk, randomKey, type TestDesk, sentMutations } from '../calls/test-fixtures';
import { OutboxPush } from './outbox-push';
import { PulledRecords } from './pulled-records';

const OTHER_DESK = '0190f0f0-0000-7000-8000-0000000000bb';

function serverDraft(id: string, revision: number, content: CallRecordContent): ServerCallRecord {
  return {
    id,
    lastClientId: OTHER_DESK,
    clinicianId: 'user-1',
    teamId: 'team-1',
    status: 'draft',
    revision,
    content,
    contentHash: null,
    finalisedAt: null,
    discardedAt: null,
    discardReason: null,
    addenda: [],
    updatedAt: '2026-11-22T14:10:00.000Z',
  };
}

describe('records pulled while a conflict is open', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let desk: TestDesk;

  beforeEach(() => {
    tmp = makeTempDir();
    desk = openTestDesk(tmp.dir, randomKey());
  });
  afterEach(() => {
    desk.close();
    tmp.remove();
  });

  const withSummary = (summary: string) => {
    const c = emptyCallRecordContent('2026-11-22T14:00:00.000Z');
    c.presentingNeed.summary = summary;
    return c;
  };

  it('keep this desk’s text until the clinician chooses, refreshing only the server’s side', () => {
    const outbox = new OutboxPush(desk.desk.db, () => new Date('2026-11-22T14:05:00.000Z'));
    const pulled = new PulledRecords(desk.desk.db);
    const issues = new SyncIssues(desk.desk.db, desk.calls, desk.audit, () => new Date(), desk.session);
    const created = desk.calls.create({ startedAt: '2026-11-22T14:00:00.000Z' });
    const saved = desk.calls.save({ id: created.id, revision: created.revision, content: withSummary('Synthetic: this desk') });

    // The push of this desk's text comes back as a conflict with another desk's revision 3.
    const [stream] = outbox.streams();
    const batch = outbox.claim(stream!.streamId)!;
    outbox.settle(
      stream!.streamId,
      sentMutations(batch).map((m) => ({ seq: m.seq, mutationId: m.mutationId, status: 'conflict', serverRevision: 3, reason: 'changed elsewhere', serverContent: withSummary('Synthetic: other desk') })),
      sentMutations(batch).at(-1)!.seq,
    );
    expect(issues.counts().conflicts).toBe(1);

    // A pull (any hint to this clinician) brings the other desk's next revision.
    const changed = pulled.apply([serverDraft(created.id, 4, withSummary('Synthetic: other desk, later'))], 'cursor-1', 'clin-day');
    expect(changed).toBe(1);
    const local = desk.calls.get(created.id);
    expect(local.content.presentingNeed.summary).toBe('Synthetic: this desk');
    expect(local.revision).toBe(saved.revision);
    const [conflict] = issues.conflicts();
    expect(conflict!.serverRevision).toBe(4);
    expect(conflict!.serverContent!.presentingNeed.summary).toBe('Synthetic: other desk, later');
    expect(pulled.apply([serverDraft(created.id, 4, withSummary('Synthetic: other desk, later'))], 'cursor-2', 'clin-day')).toBe(0);

    // Keeping mine sends this desk's text on the server's latest revision.
    issues.resolve({ id: conflict!.id, choice: 'keep_mine' });
    const next = outbox.claim(stream!.streamId)!;
    expect(sentMutations(next)).toHaveLength(1);
    expect(sentMutations(next)[0]!.baseRevision).toBe(4);
    expect((sentMutations(next)[0]!.payload as { content: CallRecordContent }).content.presentingNeed.summary).toBe('Synthetic: this desk');
  });
});
