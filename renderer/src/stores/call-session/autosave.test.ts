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

  it('saves at once when asked to save what is pending, and does nothing when nothing changed', async () => {
    const h = harness();
    expect(await h.saver.savePending()).toBe(true);
    expect(h.calls).toHaveLength(0);
    h.saver.change(withSummary('x'));
    expect(await h.saver.savePending()).toBe(true);
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

/**
 * The core's save rule as call-store.ts applies it (tested there on a real desk.db): a save of
 * exactly what is stored answers the current revision; otherwise the revision must match. The
 * desk can be down (nothing lands) or drop answers (the save lands, its answer never comes back).
 */
class DeskStandIn {
  revision = 3;
  content = JSON.stringify(base);
  history: string[] = [];
  mode: 'up' | 'down' | 'drops_answers' = 'up';

  save = async (p: { revision: number; content: CallRecordContent }): Promise<Envelope<SaveResult>> => {
    if (this.mode === 'down') return { ok: false, error: { code: 'core_unreachable', message: 'Crisis Desk cannot reach its core on this computer.' } };
    const text = JSON.stringify(p.content);
    let answer: Envelope<SaveResult>;
    if (text === this.content) answer = { ok: true, value: { id: 'rec', revision: this.revision, savedAt: '2026-11-22T14:00:05.000Z' } };
    else if (p.revision !== this.revision) answer = { ok: false, error: { code: 'revision_conflict', message: `was ${p.revision}, is ${this.revision}` } };
    else {
      this.revision++;
      this.content = text;
      this.history.push(p.content.presentingNeed.summary);
      answer = { ok: true, value: { id: 'rec', revision: this.revision, savedAt: '2026-11-22T14:00:05.000Z' } };
    }
    if (this.mode === 'drops_answers') return { ok: false, error: { code: 'core_unreachable', message: 'The connection to the desk’s core was lost before it answered.' } };
    return answer;
  };
}

describe('autosave while the desk cannot be reached', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const make = (desk: DeskStandIn) => {
    const conflicts: string[] = [];
    const saver = new Autosaver({ id: 'rec', revision: 3, content: base, savedAt: '2026-11-22T14:00:00.000Z', save: desk.save, onState: () => {}, onConflict: (e) => conflicts.push(e.code) });
    return { saver, conflicts };
  };

  it('everything typed while it is down stays unsaved (never claimed saved) and is saved, latest last, as soon as it is back', async () => {
    const desk = new DeskStandIn();
    const { saver, conflicts } = make(desk);
    saver.change(withSummary('Before the desk went down'));
    await saver.savePending();
    expect(desk.history).toEqual(['Before the desk went down']);

    desk.mode = 'down';
    let typed = 'Before the desk went down';
    for (const words of [', she said', ' she is', ' alone tonight']) {
      typed += words;
      saver.change(withSummary(typed));
      await vi.advanceTimersByTimeAsync(3000);
      expect(saver.current).toMatchObject({ kind: 'failed', retrying: true });
      expect(saver.dirty).toBe(true);
    }
    // Down for a long while: retries keep coming (capped), and none lands.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(desk.history).toHaveLength(1);
    expect(saver.current.kind).toBe('failed');

    desk.mode = 'up';
    saver.retryNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(desk.history.at(-1)).toBe('Before the desk went down, she said she is alone tonight');
    expect(JSON.parse(desk.content).presentingNeed.summary).toBe(typed);
    expect(saver.dirty).toBe(false);
    expect(saver.current.kind).toBe('saved');
    expect(saver.revision).toBe(desk.revision);
    expect(conflicts).toEqual([]);
  });

  it('a save that landed but lost its answer is sent again unchanged first, then what was typed after it: in order, no conflict', async () => {
    const desk = new DeskStandIn();
    const { saver, conflicts } = make(desk);
    desk.mode = 'drops_answers';
    saver.change(withSummary('Landed, answer lost'));
    await vi.advanceTimersByTimeAsync(400);
    expect(desk.history).toEqual(['Landed, answer lost']);
    expect(saver.current.kind).toBe('failed');
    expect(saver.revision).toBe(3); // it does not know

    desk.mode = 'down';
    saver.change(withSummary('Landed, answer lost; typed while down'));
    await vi.advanceTimersByTimeAsync(5000);

    desk.mode = 'up';
    saver.retryNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(conflicts).toEqual([]);
    expect(desk.history).toEqual(['Landed, answer lost', 'Landed, answer lost; typed while down']);
    expect(saver.revision).toBe(5);
    expect(saver.current.kind).toBe('saved');
  });

  it('a save that never reached the desk is saved once it is back, with nothing typed since lost', async () => {
    const desk = new DeskStandIn();
    const { saver, conflicts } = make(desk);
    desk.mode = 'down';
    saver.change(withSummary('First words, never reached the desk'));
    await vi.advanceTimersByTimeAsync(400);
    saver.change(withSummary('First words, never reached the desk; then more'));
    await vi.advanceTimersByTimeAsync(400);
    desk.mode = 'up';
    expect(await saver.savePending()).toBe(true);
    expect(conflicts).toEqual([]);
    expect(desk.history.at(-1)).toBe('First words, never reached the desk; then more');
    expect(saver.revision).toBe(desk.revision);
  });

  it('the desk back while a save is still in flight: if that save then fails, the next goes at once, not after a backoff', async () => {
    const h = harness([() => ({ ok: false, error: { code: 'core_unreachable', message: 'The connection to the desk’s core was lost before it answered.' } })]);
    let release!: () => void;
    h.hold(new Promise((r) => (release = r)));
    h.saver.change(withSummary('in flight as the desk came back'));
    await vi.advanceTimersByTimeAsync(400);
    expect(h.calls).toHaveLength(1);
    h.saver.retryNow();
    h.hold(Promise.resolve());
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.calls).toHaveLength(2);
    expect(h.saver.current.kind).toBe('saved');
  });

  it('retryNow does nothing when nothing is waiting', async () => {
    const desk = new DeskStandIn();
    const { saver } = make(desk);
    saver.retryNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(desk.history).toEqual([]);
  });
});
