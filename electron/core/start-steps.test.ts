import { describe, expect, it } from 'vitest';
import { describeStart, markStart, startSteps } from './start-steps';

describe('start steps', () => {
  it('are marked in order with the time since the process began and its CPU time, and told in one line', () => {
    markStart('code-loaded');
    let spin = 0;
    for (let i = 0; i < 2_000_000; i++) spin += i % 7;
    markStart('desk-db-opened');
    markStart('directory-opened');
    markStart('answering');
    const steps = startSteps();
    expect(steps.map((s) => s.step)).toEqual(['code-loaded', 'desk-db-opened', 'directory-opened', 'answering']);
    for (let i = 1; i < steps.length; i++) {
      expect(steps[i]!.atMs).toBeGreaterThanOrEqual(steps[i - 1]!.atMs);
      expect(steps[i]!.cpuMs).toBeGreaterThanOrEqual(steps[i - 1]!.cpuMs);
    }
    expect(steps[0]!.atMs).toBeGreaterThan(0);
    expect(spin).toBeGreaterThan(0);
    const last = steps.at(-1)!;
    const own = steps.map((s, i) => s.atMs - (i === 0 ? 0 : steps[i - 1]!.atMs));
    expect(describeStart()).toBe(
      `started in ${last.atMs} ms: code ${own[0]} ms, desk.db ${own[1]} ms, directory and search index ${own[2]} ms, answering ${own[3]} ms; ${last.cpuMs} ms of CPU`,
    );
  });
});
