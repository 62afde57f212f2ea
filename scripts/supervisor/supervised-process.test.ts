import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { RestartPolicy } from './restart-policy';
import { SupervisedProcess, type SupervisedOptions } from './supervised-process';

/*
 * The supervisor with real child processes (node -e …): a part that is killed is started again
 * on the policy's schedule and the terminal is told; one that keeps failing is given up on;
 * stopping the supervisor stops the part for good.
 */

const FAST: RestartPolicy = { firstDelayMs: 20, maxDelayMs: 80, stableAfterMs: 60_000, giveUpAfter: 3 };
const supervisors: SupervisedProcess[] = [];

function supervise(script: string, o: Partial<SupervisedOptions> = {}) {
  const lines: string[] = [];
  const children: ChildProcess[] = [];
  let gaveUp = false;
  const s = new SupervisedProcess({
    name: 'The part',
    spawn: () => {
      const c = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(c);
      return c;
    },
    // Ready once it says so on stdout.
    ready: (c) => new Promise((resolve) => c.stdout!.once('data', () => resolve())),
    policy: FAST,
    say: (l) => lines.push(l),
    describe: (c, again) => `(process ${c.pid}${again ? ', again' : ''})`,
    meanwhile: 'The rest carries on.',
    onItsOwn: 'run-it-by-hand',
    onGiveUp: () => (gaveUp = true),
    ...o,
  });
  supervisors.push(s);
  return { s, lines, children, gaveUp: () => gaveUp };
}

const until = async (what: string, check: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

afterEach(async () => {
  for (const s of supervisors.splice(0)) await s.stop(2000);
});

const LONG_RUNNING = "process.stdout.write('up\\n'); setInterval(() => {}, 1000)";

describe('a supervised part', () => {
  it('killed, it is started again and the terminal says what happened, what carries on, and when it comes back', async () => {
    const p = supervise(LONG_RUNNING);
    await p.s.start();
    const first = p.s.pid!;
    expect(p.lines).toEqual([`The part is running (process ${first}).`]);
    process.kill(first, 'SIGKILL');
    await until('the restart', () => p.s.pid !== null && p.s.pid !== first && p.lines.some((l) => l.includes('running again')));
    expect(p.lines[1]).toBe('The part was stopped (SIGKILL). The rest carries on. Starting it again in 0.02 s.');
    expect(p.lines.at(-1)).toBe(`The part is running again (process ${p.s.pid}, again).`);
    // The command to run it by hand is kept for when the supervisor gives up, unless asked for at every stop.
    expect(p.lines.join('\n')).not.toContain('run-it-by-hand');
  });

  it('says the command to run it on its own at every stop when that is safe', async () => {
    const p = supervise(LONG_RUNNING, { onItsOwnAtEveryStop: true });
    await p.s.start();
    process.kill(p.s.pid!, 'SIGKILL');
    await until('the note', () => p.lines.some((l) => l.includes('run-it-by-hand')));
    expect(p.lines.find((l) => l.includes('run-it-by-hand'))).toBe('To run it on its own instead (this desk then leaves it to you while it answers): run-it-by-hand');
  });

  it('one that keeps failing at start is retried with growing waits, then given up on, with the command to run it by hand', async () => {
    const p = supervise("process.stdout.write('up\\n'); process.exit(3)");
    await p.s.start();
    await until('giving up', p.gaveUp);
    expect(p.children).toHaveLength(4); // the first run and 3 restarts
    const stops = p.lines.filter((l) => l.includes('stopped with an error (exit 3)'));
    expect(stops.slice(0, 3).map((l) => /again in ([\d.]+ s)/.exec(l)?.[1])).toEqual(['0.02 s', '0.04 s', '0.08 s']);
    expect(stops.at(-1)).toMatch(/for the 4th time in a row soon after starting: not starting it again/);
    expect(p.lines.at(-1)).toBe('To run it on its own and see why: run-it-by-hand');
    expect(p.s.running).toBe(false);
  });

  it('while another copy answers (started by hand), it is not started; when that one goes, it is', async () => {
    let elsewhere = true;
    const p = supervise(LONG_RUNNING, { startedElsewhere: async () => (elsewhere ? 'Another copy answers.' : null), recheckMs: 20 });
    await p.s.start();
    expect(p.children).toHaveLength(0);
    expect(p.lines).toEqual(['Another copy answers. Not starting another while it does.']);
    elsewhere = false;
    await until('its own copy', () => p.s.running && p.lines.some((l) => l.startsWith('The part is running')));
    expect(p.lines).toContain('The part started elsewhere has gone: starting this desk’s own.');
  });

  it('stopping the supervisor stops the part for good: no restart follows', async () => {
    const p = supervise(LONG_RUNNING);
    await p.s.start();
    const child = p.children[0]!;
    await p.s.stop();
    expect(child.signalCode).toBe('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    expect(p.children).toHaveLength(1);
    expect(p.s.running).toBe(false);
  });
});
