import type { CoreLifecycleMessage } from '../../../shared/contract';
import type { SyncOptions } from '../core';

/** Sync timings as a starter passes them (the init message, or the browser host's environment). */
export type SyncTuning = NonNullable<Extract<CoreLifecycleMessage, { kind: 'init' }>['syncTuning']>;

/** The sync options a tuning sets; anything it leaves out keeps its default (a trust desk's). */
export function syncOptionsOf(t: SyncTuning | undefined): Pick<SyncOptions, 'timeoutMs' | 'idleTimeoutMs' | 'watchdogMs' | 'backoff'> {
  if (!t) return {};
  const backoff = t.backoffBaseMs && t.backoffCapMs ? { baseMs: t.backoffBaseMs, capMs: t.backoffCapMs } : undefined;
  return { timeoutMs: t.timeoutMs, idleTimeoutMs: t.idleTimeoutMs, watchdogMs: t.watchdogMs, backoff };
}
