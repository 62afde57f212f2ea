import { describe, expect, it } from 'vitest';
import { afterStop, HOST_RESTARTS, NO_FAILURES, SERVER_RESTARTS, type RestartHistory, type RestartPolicy } from './restart-policy';

const policy: RestartPolicy = { firstDelayMs: 1000, maxDelayMs: 8000, stableAfterMs: 60_000, giveUpAfter: 5 };

/** Runs a sequence of run lengths through the policy, as the supervisor does. */
function decide(runs: number[], p = policy) {
  let history: RestartHistory = NO_FAILURES;
  return runs.map((ranForMs) => {
    const r = afterStop(history, ranForMs, p);
    history = r.history;
    return r.decision;
  });
}

describe('the restart policy', () => {
  it('backs off exponentially while a part keeps stopping soon after it starts, up to the cap', () => {
    expect(decide([100, 100, 100, 100, 100]).map((d) => (d.kind === 'restart' ? d.delayMs : d.kind))).toEqual([1000, 2000, 4000, 8000, 8000]);
  });

  it('gives up after the set number of quick failures in a row, and says how many', () => {
    const d = decide([100, 100, 100, 100, 100, 100]);
    expect(d.at(-1)).toEqual({ kind: 'give_up', failuresInARow: 6 });
    expect(d.slice(0, 5).every((x) => x.kind === 'restart')).toBe(true);
  });

  it('a part that ran long enough to count as working is started again at once, and its count starts over', () => {
    const d = decide([100, 100, 100, 60_000, 100]);
    expect(d[3]).toEqual({ kind: 'restart', delayMs: 0, failuresInARow: 1 });
    // The stop after it is the second in a row, not the fifth.
    expect(d[4]).toEqual({ kind: 'restart', delayMs: 2000, failuresInARow: 2 });
  });

  it('never gives up when told not to, and never waits past the cap however long it fails', () => {
    const d = decide(Array(200).fill(0), { ...policy, giveUpAfter: null });
    expect(d.every((x) => x.kind === 'restart' && x.delayMs <= 8000)).toBe(true);
    expect(d.at(-1)).toMatchObject({ kind: 'restart', delayMs: 8000, failuresInARow: 200 });
  });

  it('the server is restarted patiently; the host, without which nothing saves, quickly', () => {
    expect(decide([0], SERVER_RESTARTS)[0]).toMatchObject({ kind: 'restart', delayMs: 1000 });
    expect(decide([0], HOST_RESTARTS)[0]).toMatchObject({ kind: 'restart', delayMs: 250 });
    expect(decide(Array(7).fill(0), SERVER_RESTARTS).at(-1)!.kind).toBe('give_up');
    expect(decide(Array(6).fill(0), HOST_RESTARTS).at(-1)!.kind).toBe('give_up');
  });
});
