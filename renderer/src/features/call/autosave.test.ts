import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Envelope, SaveResult } from '../../../../shared/contract';
import { emptyCallRecordContent, type CallRecordContent } from '../../../../shared/domain/call-record';
import { Autosaver, type SaveState } from './autosave';

const base = emptyCallRecordContent('2026-11-22T14:00:00.000Z');
const withSummary = (summary: string): CallRecordContent => ({ ...base, presentingNeed: { categories: [], summary } });

function harness(answers: ((p: { revision: number; content: CallRecordContent }) => Envelope<SaveResult>)[] = []) {
  const calls: { revision: number; summary: string }[] = [];
  const states: SaveState['kind'][] = [];
  const conflicts: string[] = [];
  let revision = 3;
  let gate: Promise<void> = Promise.resolve();
  const saver = new Autosaver({
    id: 'rec',
    revision,
    content: base,
    savedAt: '2026-11-22T14:00:00.000Z',
    debounceMs: 400,
    save: async (p) => {
      calls.push({ revision: p.revision, summary: p.content.presentingNeed.summary });
      await gate;
      const answer = answers.shift();
      if (answer) return answer(p);
      revision = p.revision + 1;
      return { ok: true, value: { id: 'rec', revision, savedAt: '2026-11-22T14:00:05.000Z' } };
    },
    onState: (s) => states.push(s.kind),
    onConflict: (e) => conflicts.push(e.code),
  });
  return { saver, calls, states, conflicts, hold: (p: Promise<void>) => (gate = p) };
}

describe('autosave', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('saves once typing has paused for 400 ms, with the revision it was based on', async () => {
    const h = harness();
    h.saver.change(withSummary('L'));
    await vi.advanceTimersByTimeAsync(200);
    h.saver.change(withSummary('Lo'));
    await vi.advanceTimersByTimeAsync(399);
    expect(h.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.calls).toEqual([{ revision: 3, summary: 'Lo' }]);
    expect(h.saver.revision).toBe(4);
    expect(h.saver.current.kind).toBe('saved');
  });

  it('saves at once on flush and does nothing when nothing changed', async () => {
    const h = harness();
    expect(await h.saver.flush()).toBe(true);
    expect(h.calls).toHaveLength(0);
    h.saver.change(withSummary('x'));
    expect(await h.saver.flush()).toBe(true);
    expect(h.calls).toHaveLength(1);
  });

  it('never runs two saves at once: typing during a save is saved next, on the new revision', async () => {
    const h = harness();
    let release!: () => void;
    h.hold(new Promise((r) => (release = r)));
    h.saver.change(withSummary('a'));
    await vi.advanceTimersByTimeAsync(400);
    h.saver.change(withSummary('ab'));
    await vi.advanceTimersByTimeAsync(400);
    expect(h.calls).toHaveLength(1);
    h.hold(Promise.resolve());
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.calls).toEqual([
      { revision: 3, summary: 'a' },
      { revision: 4, summary: 'ab' },
    ]);
    expect(h.saver.current.kind).toBe('saved');
  });

  it('keeps the text and retries while the core is unreachable', async () => {
    const unreachable = (): Envelope<SaveResult> => ({ ok: false, error: { code: 'core_unreachable', message: 'Crisis Desk cannot reach its core.' } });
    const h = harness([unreachable, unreachable]);
    h.saver.change(withSummary('keep me'));
    await vi.advanceTimersByTimeAsync(400);
    expect(h.saver.current).toMatchObject({ kind: 'failed', retrying: true });
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.states.slice(-3)).toEqual(['saving', 'failed', 'failed']); // never "saving" again until it works
    expect(h.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.calls.map((c) => c.summary)).toEqual(['keep me', 'keep me', 'keep me']);
    expect(h.saver.current.kind).toBe('saved');
  });

  it('stops and reports a revision conflict instead of overwriting', async () => {
    const h = harness([() => ({ ok: false, error: { code: 'revision_conflict', message: 'changed elsewhere' } })]);
    h.saver.change(withSummary('mine'));
    await vi.advanceTimersByTimeAsync(400);
    expect(h.conflicts).toEqual(['revision_conflict']);
    h.saver.change(withSummary('more'));
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.calls).toHaveLength(1);
  });
});
