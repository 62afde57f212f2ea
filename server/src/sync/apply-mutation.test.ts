import { describe, expect, it } from 'vitest';
import { completeContent, newRecordId, ScriptedDesk, withSummary } from '../../../test/support/sync-fixtures';
import { decide, REASONS, type Decision, type RecordState, type Writer } from './apply-mutation';
import { contentHashOf } from './hashes';

const deskA = new ScriptedDesk();
const deskB = new ScriptedDesk();
const writerA: Writer = { userId: 'a1-clin', trustId: 'trust-a', teamId: 'team-a1', clientId: deskA.clientId };
const writerB: Writer = { ...writerA, clientId: deskB.clientId };
const noAddenda = () => undefined;

function draft(over: Partial<RecordState> = {}): RecordState {
  const content = completeContent();
  return {
    id: newRecordId(), trustId: 'trust-a', teamId: 'team-a1', clinicianId: 'a1-clin', originClientId: deskA.clientId, lastClientId: deskA.clientId,
    status: 'draft', revision: 3, content, contentHash: null, finalisedAt: null, discardedAt: null, discardReason: null, deskUpdatedAt: content.startedAt,
    createdBy: 'a1-clin', updatedBy: 'a1-clin', finalisedBy: null, discardedBy: null, ...over,
  };
}

const finalised = (over: Partial<RecordState> = {}) => {
  const content = completeContent();
  return draft({ status: 'finalised', content, contentHash: contentHashOf(content), finalisedAt: '2026-05-11T20:30:00.000Z', finalisedBy: 'a1-clin', ...over });
};

const applied = (d: Decision) => {
  if (d.status !== 'applied') throw new Error(`expected applied, got ${d.status}: ${'reason' in d ? d.reason : ''}`);
  return d;
};

describe('decide', () => {
  it('creates a new record as a draft at revision 1, owned by the writer whatever the content says', () => {
    const id = newRecordId();
    const d = applied(decide(undefined, deskA.upsert(id, completeContent()), writerA, noAddenda));
    expect(d.record).toMatchObject({ id, status: 'draft', revision: 1, trustId: 'trust-a', teamId: 'team-a1', clinicianId: 'a1-clin', originClientId: deskA.clientId });
  });

  it('applies a desk’s successive changes to its own draft whatever base revision they name', () => {
    const current = draft({ revision: 7 });
    const d = applied(decide(current, deskA.upsert(current.id, withSummary(current.content, 'later'), null), writerA, noAddenda));
    expect(d.record).toMatchObject({ revision: 8, lastClientId: deskA.clientId });
    expect(d.record!.content.presentingNeed.summary).toBe('later');
  });

  it('applies another desk’s change made on the current revision, and reports a conflict for one made on an older revision', () => {
    const current = draft({ revision: 4 });
    expect(applied(decide(current, deskB.upsert(current.id, completeContent(), 4), writerB, noAddenda)).record).toMatchObject({ revision: 5, lastClientId: deskB.clientId });
    expect(decide(current, deskB.upsert(current.id, completeContent(), 3), writerB, noAddenda)).toEqual({ status: 'conflict', reason: REASONS.conflict });
    expect(decide(current, deskB.upsert(current.id, completeContent(), null), writerB, noAddenda).status).toBe('conflict');
    expect(decide(current, deskB.finalise(current.id, completeContent(), 2), writerB, noAddenda).status).toBe('conflict');
    expect(decide(current, deskB.discard(current.id, 'x', 2), writerB, noAddenda).status).toBe('conflict');
  });

  it('refuses any change to a record of another team or trust with the same words, whatever the record holds', () => {
    for (const other of [{ teamId: 'team-a2' }, { trustId: 'trust-b' }, { teamId: 'team-a2', clinicianId: 'a2-clin' }]) {
      for (const current of [draft(other), finalised(other)]) {
        for (const m of [deskA.upsert(current.id, completeContent(), 3), deskA.finalise(current.id, completeContent(), 3), deskA.discard(current.id), deskA.addendum(current.id, 'note')]) {
          expect(decide(current, m, writerA, noAddenda)).toEqual({ status: 'rejected', reason: REASONS.notYours });
        }
      }
    }
  });

  it('records who started, changed, finalised and discarded a record: always the signed-in writer', () => {
    const id = newRecordId();
    expect(applied(decide(undefined, deskA.upsert(id, completeContent()), writerA, noAddenda)).record).toMatchObject({ createdBy: 'a1-clin', updatedBy: 'a1-clin', finalisedBy: null });
    const started = draft({ createdBy: 'a1-clin', updatedBy: 'a1-clin' });
    const onOtherDesk = applied(decide(started, deskB.finalise(started.id, completeContent(), 3), writerB, noAddenda)).record!;
    expect(onOtherDesk).toMatchObject({ status: 'finalised', createdBy: 'a1-clin', updatedBy: 'a1-clin', finalisedBy: 'a1-clin', lastClientId: deskB.clientId });
    const toDiscard = draft();
    expect(applied(decide(toDiscard, deskA.discard(toDiscard.id, 'Test call', 3), writerA, noAddenda)).record).toMatchObject({ discardedBy: 'a1-clin', finalisedBy: null });
    expect(applied(decide(undefined, deskA.finalise(newRecordId(), completeContent()), writerA, noAddenda)).record).toMatchObject({ createdBy: 'a1-clin', finalisedBy: 'a1-clin' });
  });

  it('refuses a teammate’s change to a clinician’s draft in words that say whose it is, and the usual words for a finalised or discarded one', () => {
    const teammate: Writer = { userId: 'a1-lead', trustId: 'trust-a', teamId: 'team-a1', clientId: deskB.clientId };
    const current = draft();
    for (const m of [deskB.upsert(current.id, completeContent(), 3), deskB.finalise(current.id, completeContent(), 3), deskB.discard(current.id, 'x', 3)]) {
      expect(decide(current, m, teammate, noAddenda)).toEqual({ status: 'rejected', reason: REASONS.othersDraft });
    }
    expect(REASONS.othersDraft).toMatch(/started by another clinician in your team.*only they can change, finalise or discard it/);
    const done = finalised();
    expect(decide(done, deskB.upsert(done.id, completeContent(), done.revision), teammate, noAddenda)).toEqual({ status: 'rejected', reason: REASONS.finalised });
    // Finalising again what the clinician finalised is still not the teammate's to do.
    expect(decide(done, deskB.finalise(done.id, done.content), teammate, noAddenda)).toEqual({ status: 'rejected', reason: REASONS.finalised });
    const gone = draft({ status: 'discarded', discardedAt: '2026-05-11T20:30:00.000Z', discardReason: 'x', discardedBy: 'a1-clin' });
    expect(decide(gone, deskB.upsert(gone.id, completeContent(), gone.revision), teammate, noAddenda)).toEqual({ status: 'rejected', reason: REASONS.discarded });
  });

  it('takes an addendum on a finalised record from any member of its team, filed under the one who wrote it (a handover)', () => {
    const night: Writer = { userId: 'a1-clin2', trustId: 'trust-a', teamId: 'team-a1', clientId: deskB.clientId };
    const current = finalised({ clinicianId: 'a1-clin' });
    const d = applied(decide(current, deskB.addendum(current.id, 'Night shift: called back, safe at home.'), night, noAddenda));
    expect(d.record).toBeNull();
    expect(d.addendum).toMatchObject({ recordId: current.id, authorId: 'a1-clin2', clientId: deskB.clientId });
    expect(applied(decide(current, deskA.addendum(current.id, 'Own note.'), writerA, noAddenda)).addendum).toMatchObject({ authorId: 'a1-clin' });
    // Not on a draft, whoever writes it.
    const open = draft();
    expect(decide(open, deskB.addendum(open.id, 'x'), night, noAddenda)).toEqual({ status: 'rejected', reason: REASONS.addendumOnDraft });
  });

  it('finalises a complete draft whose hash matches, and refuses an incomplete one or a wrong hash', () => {
    const current = draft();
    const content = completeContent();
    const d = applied(decide(current, deskA.finalise(current.id, content), writerA, noAddenda));
    expect(d.record).toMatchObject({ status: 'finalised', revision: 4, contentHash: contentHashOf(content) });

    const incomplete = { ...content, outcome: { code: null, notes: '' } };
    const r = decide(current, deskA.finalise(current.id, incomplete), writerA, noAddenda);
    expect(r.status).toBe('rejected');
    expect('reason' in r && r.reason).toMatch(/not complete\. Outcome: Choose the outcome/);

    expect(decide(current, deskA.finalise(current.id, content, null, contentHashOf(withSummary(content, 'tampered'))), writerA, noAddenda))
      .toEqual({ status: 'rejected', reason: REASONS.hashMismatch });
  });

  it('finalises a record the server has not seen (its draft never reached it) straight away', () => {
    const id = newRecordId();
    expect(applied(decide(undefined, deskA.finalise(id, completeContent()), writerA, noAddenda)).record).toMatchObject({ status: 'finalised', revision: 1 });
  });

  it('never changes a finalised record: upsert, discard and a different finalise are refused; the same finalise again changes nothing', () => {
    const current = finalised();
    expect(decide(current, deskA.upsert(current.id, completeContent(), current.revision), writerA, noAddenda)).toEqual({ status: 'rejected', reason: REASONS.finalised });
    expect(decide(current, deskA.discard(current.id, 'x', current.revision), writerA, noAddenda)).toEqual({ status: 'rejected', reason: REASONS.finalised });
    expect(decide(current, deskA.finalise(current.id, withSummary(current.content, 'changed')), writerA, noAddenda)).toEqual({ status: 'rejected', reason: REASONS.finalised });
    expect(decide(current, deskA.finalise(current.id, current.content), writerA, noAddenda)).toEqual({ status: 'applied', record: null, addendum: null });
  });

  it('never changes a discarded record, and discards only drafts the server holds', () => {
    const current = draft({ status: 'discarded', discardedAt: '2026-05-11T20:30:00.000Z', discardReason: 'x' });
    expect(decide(current, deskA.upsert(current.id, completeContent()), writerA, noAddenda)).toEqual({ status: 'rejected', reason: REASONS.discarded });
    expect(decide(current, deskA.discard(current.id), writerA, noAddenda)).toEqual({ status: 'rejected', reason: REASONS.discarded });
    expect(decide(undefined, deskA.discard(newRecordId()), writerA, noAddenda)).toEqual({ status: 'rejected', reason: REASONS.noDraftToDiscard });
    const open = draft();
    const d = applied(decide(open, deskA.discard(open.id, 'Test call'), writerA, noAddenda));
    expect(d.record).toMatchObject({ status: 'discarded', discardReason: 'Test call', revision: 4 });
  });

  it('adds addenda to finalised records only, checking their hash, and once per id', () => {
    const current = finalised();
    const m = deskA.addendum(current.id, 'Called back: safe and well.');
    const d = applied(decide(current, m, writerA, noAddenda));
    expect(d.record).toBeNull();
    expect(d.addendum).toMatchObject({ recordId: current.id, text: 'Called back: safe and well.' });

    const known = { recordId: current.id, contentHash: m.payload.kind === 'addendum' ? m.payload.contentHash : '' };
    expect(decide(current, m, writerA, () => known)).toEqual({ status: 'applied', record: null, addendum: null });
    expect(decide(current, m, writerA, () => ({ ...known, contentHash: 'f'.repeat(64) }))).toEqual({ status: 'rejected', reason: REASONS.addendumIdTaken });

    const tampered = { ...m, payload: { ...m.payload, text: 'altered' } } as typeof m;
    expect(decide(current, tampered, writerA, noAddenda)).toEqual({ status: 'rejected', reason: REASONS.addendumHashMismatch });
    const open = draft();
    expect(decide(open, deskA.addendum(open.id, 'x'), writerA, noAddenda)).toEqual({ status: 'rejected', reason: REASONS.addendumOnDraft });
    expect(decide(undefined, deskA.addendum(newRecordId(), 'x'), writerA, noAddenda)).toEqual({ status: 'rejected', reason: REASONS.noRecordForAddendum });
  });
});
