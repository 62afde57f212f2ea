import type { LockState } from '../../shared/contract';
import { passcodeProblem } from './passcode';

/*
 * The idle lock (DESIGN.md §7). After the policy's minutes without keyboard or mouse input (the
 * system's idle time), when the computer's own screen locks or it sleeps, or when the clinician
 * asks, the shell covers the screen so that no patient data shows until the clinician unlocks with
 * the desk's passcode or a fresh sign-in. The lock is armed once a passcode exists; the passcode is
 * chosen right after the first sign-in (the shell asks for it before the screen comes back).
 *
 * Repeated wrong passcodes are slowed down: after 5 in a row each further try waits 30 s, doubling
 * up to 15 minutes. Signing in again always works.
 */

export const IDLE_POLL_MS = 10_000;
export const FREE_ATTEMPTS = 5;
const FIRST_WAIT_MS = 30_000;
const MAX_WAIT_MS = 15 * 60_000;

export interface PasscodeStore {
  exists(): boolean;
  verify(passcode: string): Promise<boolean>;
  set(passcode: string): Promise<void>;
}

/** What covers the screen. */
export type LockView =
  | { screen: 'none' }
  | { screen: 'lock'; reason: NonNullable<LockState['reason']>; message: string | null; retryAt: number | null }
  | { screen: 'set-passcode'; message: string | null };

export interface IdleLockDeps {
  passcodes: PasscodeStore;
  /** Seconds since the last keyboard or mouse input anywhere on the computer. */
  idleSeconds(): number;
  onChange(view: LockView): void;
  now?: () => number;
}

export class IdleLock {
  private view: LockView = { screen: 'none' };
  private timer: ReturnType<typeof setInterval> | null = null;
  private failures = 0;
  private retryAt: number | null = null;
  private readonly now: () => number;

  constructor(
    private readonly deps: IdleLockDeps,
    private idleMinutes: number,
  ) {
    this.now = deps.now ?? Date.now;
  }

  get current(): LockView {
    return this.view;
  }

  /** The lock as the screen sees it (the `app.lock` event). */
  get state(): LockState {
    return {
      locked: this.view.screen !== 'none',
      reason: this.view.screen === 'lock' ? this.view.reason : null,
      idleMinutes: this.armed ? this.idleMinutes : null,
    };
  }

  get armed(): boolean {
    return this.deps.passcodes.exists();
  }

  private show(view: LockView): void {
    this.view = view;
    this.deps.onChange(view);
  }

  /** Starts watching for idleness; a desk that already has a passcode starts locked. */
  start(): void {
    if (this.armed) this.lock('startup');
    this.timer ??= setInterval(() => this.tick(), IDLE_POLL_MS);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  setIdleMinutes(minutes: number): void {
    this.idleMinutes = minutes;
  }

  /** Locks when the computer has been idle for the policy's minutes. */
  tick(): void {
    if (this.view.screen === 'none' && this.deps.idleSeconds() >= this.idleMinutes * 60) this.lock('idle');
  }

  /** Locks now (idle, the clinician's choice, the OS locking or sleeping). Does nothing until a passcode exists. */
  lock(reason: NonNullable<LockState['reason']>): void {
    if (!this.armed || this.view.screen === 'lock') return;
    if (this.view.screen === 'set-passcode') return; // already covered; the passcode comes first
    this.show({ screen: 'lock', reason, message: null, retryAt: this.retryAt });
  }

  async unlock(passcode: string): Promise<boolean> {
    const view = this.view;
    if (view.screen !== 'lock') return this.view.screen === 'none';
    if (this.retryAt !== null && this.now() < this.retryAt) {
      this.show({ ...view, message: 'Too many wrong passcodes. Wait until the time shown, or sign in again.', retryAt: this.retryAt });
      return false;
    }
    if (await this.deps.passcodes.verify(passcode)) {
      this.failures = 0;
      this.retryAt = null;
      this.show({ screen: 'none' });
      return true;
    }
    this.failures++;
    this.retryAt = this.failures >= FREE_ATTEMPTS ? this.now() + Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (this.failures - FREE_ATTEMPTS)) : null;
    if (this.view === view) this.show({ ...view, message: 'That passcode is not right. Try again, or sign in again instead.', retryAt: this.retryAt });
    return false;
  }

  /**
   * Someone signed in (a fresh sign-in proves who they are): the lock opens. With no passcode
   * yet, the screen asks for one before it comes back.
   */
  signedIn(): void {
    this.failures = 0;
    this.retryAt = null;
    if (!this.armed) this.show({ screen: 'set-passcode', message: null });
    else if (this.view.screen === 'lock') this.show({ screen: 'none' });
  }

  async choosePasscode(passcode: string, confirmation: string): Promise<boolean> {
    if (this.view.screen !== 'set-passcode') return false;
    const problem = passcodeProblem(passcode, confirmation);
    if (problem) {
      this.show({ screen: 'set-passcode', message: problem });
      return false;
    }
    await this.deps.passcodes.set(passcode);
    this.show({ screen: 'none' });
    return true;
  }
}
