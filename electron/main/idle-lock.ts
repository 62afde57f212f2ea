import type { LockState } from '../../shared/contract';
import { passcodeProblem, type LockAttempts, type LockOwner } from './passcode';

/*
 * The idle lock (DESIGN.md §7). After the policy's minutes without keyboard or mouse input (the
 * system's idle time), when the computer's own screen locks or it sleeps, or when the clinician
 * asks, the shell covers the screen so that no patient data shows until the clinician unlocks with
 * their passcode or a fresh sign-in as themselves. The lock belongs to the clinician who chose the
 * passcode (their sign-in's subject): a sign-in as anyone else does not open it (a probe found any
 * successful sign-in did, so any account could read the last clinician's screen). The lock is
 * armed once a passcode exists; the passcode is chosen right after the first sign-in, and again
 * by each clinician who signs in on this desk while it is open (the shell asks for it before the
 * screen comes back).
 *
 * Repeated wrong passcodes are slowed down: after 5 in a row each further try waits 30 s, doubling
 * up to 15 minutes, and the count survives a restart. Signing in again as the owner always works.
 */

export const IDLE_POLL_MS = 10_000;
export const FREE_ATTEMPTS = 5;
const FIRST_WAIT_MS = 30_000;
const MAX_WAIT_MS = 15 * 60_000;

export interface PasscodeStore {
  exists(): boolean;
  /** Whose lock it is; null for a passcode kept from before locks had owners. */
  owner(): LockOwner | null;
  verify(passcode: string): Promise<boolean>;
  set(passcode: string, owner: LockOwner): Promise<void>;
  attempts(): LockAttempts;
  recordAttempts(attempts: LockAttempts): void;
}

/** Who a fresh sign-in was. */
export interface SignedInAs {
  subject: string;
  name: string | null;
}

/** What covers the screen. */
export type LockView =
  | { screen: 'none' }
  | { screen: 'lock'; reason: NonNullable<LockState['reason']>; message: string | null; retryAt: number | null }
  | { screen: 'set-passcode'; message: string | null; owner: LockOwner };

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
  private failures: number;
  private retryAt: number | null;
  private readonly now: () => number;

  constructor(
    private readonly deps: IdleLockDeps,
    private idleMinutes: number,
  ) {
    this.now = deps.now ?? Date.now;
    ({ failures: this.failures, retryAt: this.retryAt } = deps.passcodes.attempts());
  }

  private setAttempts(failures: number, retryAt: number | null): void {
    this.failures = failures;
    this.retryAt = retryAt;
    this.deps.passcodes.recordAttempts({ failures, retryAt });
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
      this.setAttempts(0, null);
      this.show({ screen: 'none' });
      return true;
    }
    const failures = this.failures + 1;
    // Counted (and written) before anything is shown: quitting now does not wipe the count.
    this.setAttempts(failures, failures >= FREE_ATTEMPTS ? this.now() + Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (failures - FREE_ATTEMPTS)) : null);
    if (this.view === view) this.show({ ...view, message: 'That passcode is not right. Try again, or sign in again instead.', retryAt: this.retryAt });
    return false;
  }

  /**
   * Before a new sign-in is kept: null when it may be, or why not. While the lock shows, only
   * its owner's sign-in may open it; the session underneath stays theirs.
   */
  admits(subject: string): string | null {
    if (this.view.screen !== 'lock') return null;
    const owner = this.deps.passcodes.owner();
    if (owner && owner.subject === subject) return null;
    if (!owner) return 'Crisis Desk is locked with the passcode chosen on this desk before this version: unlock it with that passcode. Signing in does not open it this time.';
    return `Crisis Desk is locked for ${owner.name ?? 'the clinician who locked it'}, and only they can unlock it: with their passcode, or by signing in as themselves. Your sign-in was not kept.`;
  }

  /** A sign-in for the lock to refuse shows why, and the lock stays as it is. */
  refused(message: string): void {
    if (this.view.screen === 'lock') this.show({ ...this.view, message });
  }

  /**
   * A fresh sign-in that admits() let through. The owner signing in opens their lock. Anyone who
   * signs in while the desk is open becomes its owner and chooses their passcode before the
   * screen comes back (so does the first sign-in, before there is a passcode).
   */
  signedIn(who: SignedInAs): void {
    const owner = this.deps.passcodes.owner();
    if (this.view.screen === 'lock') {
      if (owner?.subject !== who.subject) return; // admits() refused it: never opens for someone else
      this.setAttempts(0, null);
      this.show({ screen: 'none' });
      return;
    }
    if (!this.armed || owner?.subject !== who.subject) this.show({ screen: 'set-passcode', message: null, owner: { subject: who.subject, name: who.name } });
  }

  async choosePasscode(passcode: string, confirmation: string): Promise<boolean> {
    const view = this.view;
    if (view.screen !== 'set-passcode') return false;
    const problem = passcodeProblem(passcode, confirmation);
    if (problem) {
      this.show({ ...view, message: problem });
      return false;
    }
    await this.deps.passcodes.set(passcode, view.owner);
    this.failures = 0;
    this.retryAt = null;
    this.show({ screen: 'none' });
    return true;
  }
}
