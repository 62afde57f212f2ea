import type { ChildProcess } from 'node:child_process';
import { afterStop, NO_FAILURES, type RestartHistory, type RestartPolicy } from './restart-policy';

/*
 * One part of `./desk start` (the demo server, the browser host) kept running: when its process
 * stops by itself it is started again, on the restart policy's schedule, and the terminal is told
 * what happened and what happens next. Stopping the supervisor stops it for good.
 */

export interface SupervisedOptions {
  /** What the terminal calls it: "The server". */
  name: string;
  /** Starts the process (with an IPC channel, so that it stops when the supervisor goes: see the mains). */
  spawn(): ChildProcess;
  policy: RestartPolicy;
  /** Resolves once the process is ready for use (e.g. its /health answers); rejects if it will not be. */
  ready?(child: ChildProcess): Promise<void>;
  /**
   * Asked before every restart: a reason not to start it now (another copy, started by hand,
   * already answers), or null. While there is one, the supervisor asks again every `recheckMs`.
   */
  startedElsewhere?(): Promise<string | null>;
  recheckMs?: number;
  /** Lines for the terminal. */
  say(line: string): void;
  /** "at http://… (process 1234)": appended to "is running" (again: "is running again"). */
  describe(child: ChildProcess, again: boolean): string;
  /** What the terminal says after a stop: what the rest of the desk does meanwhile. */
  meanwhile: string;
  /** The command to run it on its own, said when the supervisor gives up. */
  onItsOwn?: string;
  /**
   * Say it at every stop too: only for a part that cannot be run twice by mistake (the server
   * locks its data folder), since the supervisor may be starting it again at the same moment.
   */
  onItsOwnAtEveryStop?: boolean;
  /** It kept failing and the policy gave up. */
  onGiveUp(): void;
  now?: () => number;
}

export class SupervisedProcess {
  private child: ChildProcess | null = null;
  private history: RestartHistory = NO_FAILURES;
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private startedAt = 0;
  private runs = 0;
  private readonly now: () => number;

  constructor(private readonly o: SupervisedOptions) {
    this.now = o.now ?? Date.now;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts it and resolves when it is ready (or has stopped: the restarts are then under way). */
  async start(): Promise<void> {
    if (this.stopping || this.child) return;
    const elsewhere = (await this.o.startedElsewhere?.()) ?? null;
    if (this.stopping) return;
    if (elsewhere) {
      this.o.say(`${elsewhere} Not starting another while it does.`);
      this.waitForElsewhere();
      return;
    }
    const child = this.o.spawn();
    this.child = child;
    this.startedAt = this.now();
    const again = this.runs++ > 0;
    const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
      this.stopped(child, code, signal);
      resolve();
    }));
    try {
      await Promise.race([this.o.ready?.(child) ?? Promise.resolve(), exited.then(() => Promise.reject(new Error('stopped before it was ready')))]);
    } catch (e) {
      // Stopped meanwhile: stopped() has it in hand. Still running: it is slow, say so and leave it be.
      if (this.child === child && !this.stopping) this.o.say(`${this.o.name} is not ready yet (${(e as Error).message}); still waiting for it.`);
      return;
    }
    if (this.child === child) this.o.say(`${this.o.name} is running${again ? ' again' : ''} ${this.o.describe(child, again)}.`);
  }

  /** Stops it for good (SIGTERM, then SIGKILL after `graceMs`) and cancels any restart. */
  async stop(graceMs = 12_000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const late = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(late);
  }

  private stopped(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    if (this.stopping) return;
    const how = signal ? `was stopped (${signal})` : code === 0 ? 'stopped (exit 0)' : `stopped with an error (exit ${code})`;
    const { decision, history } = afterStop(this.history, this.now() - this.startedAt, this.o.policy);
    this.history = history;
    if (decision.kind === 'give_up') {
      this.o.say(`${this.o.name} ${how}, for the ${ordinal(decision.failuresInARow)} time in a row soon after starting: not starting it again. ${this.o.meanwhile}`);
      if (this.o.onItsOwn) this.o.say(`To run it on its own and see why: ${this.o.onItsOwn}`);
      this.o.onGiveUp();
      return;
    }
    const when = decision.delayMs === 0 ? 'now' : `in ${seconds(decision.delayMs)}`;
    this.o.say(`${this.o.name} ${how}. ${this.o.meanwhile} Starting it again ${when}.`);
    if (this.o.onItsOwn && this.o.onItsOwnAtEveryStop) this.o.say(`To run it on its own instead (this desk then leaves it to you while it answers): ${this.o.onItsOwn}`);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.start();
    }, decision.delayMs);
  }

  private waitForElsewhere(): void {
    this.timer = setTimeout(async () => {
      this.timer = null;
      if (this.stopping) return;
      if ((await this.o.startedElsewhere?.()) ?? null) return this.waitForElsewhere();
      this.o.say(`${this.o.name} started elsewhere has gone: starting this desk’s own.`);
      void this.start();
    }, this.o.recheckMs ?? 5000);
  }
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${s < 1 ? s.toFixed(2).replace(/0$/, '') : Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

function ordinal(n: number): string {
  return n === 1 ? 'first' : n === 2 ? 'second' : n === 3 ? 'third' : `${n}th`;
}
