/*
 * The part of the contract served by the desktop shell (Electron main) rather than the core: the
 * idle lock. The preload sends `app.*` calls to main; the core answers them with unknown_method
 * (the browser host has no lock). Main also covers the window itself while locked, so the lock
 * never depends on the screen honouring this event: the event lets the screen tidy up (close a
 * dialog, stop a timer) and show a lock button.
 */

/** Pushed as the `app.lock` event whenever the lock changes; also the answer of `app.lockNow`. */
export interface LockState {
  locked: boolean;
  /** Why it locked: idle time, the clinician's own choice, the computer's screen lock or sleep, the app starting. */
  reason: 'idle' | 'manual' | 'system' | 'startup' | null;
  /** Minutes of inactivity before the lock; null while the lock is not armed (no passcode yet). */
  idleMinutes: number | null;
}

/** Method and event names with this prefix belong to the shell. */
export const SHELL_METHOD_PREFIX = 'app.';

export function isShellMethod(name: string): boolean {
  return name.startsWith(SHELL_METHOD_PREFIX);
}

/** An event only the shell may send (the core's link never carries it: the core cannot unlock). */
export function isShellEvent(name: string): boolean {
  return name.startsWith(SHELL_METHOD_PREFIX);
}
