/*
 * When `./desk start` restarts a part that stopped (the demo server, the browser host): a pure
 * decision from how long the part ran and how its recent runs went, so it is tested on its own.
 *
 * A part that ran for a while and then stopped is started again soon; one that keeps stopping
 * straight after it starts (a port taken, a broken data folder) is retried less and less often,
 * and after a few such failures in a row the supervisor stops trying and says so, instead of
 * printing the same failure forever.
 */

export interface RestartPolicy {
  /** The wait before the first restart after a quick failure; each further quick failure doubles it. */
  firstDelayMs: number;
  /** The longest wait between restarts. */
  maxDelayMs: number;
  /** A run at least this long worked: a stop after it starts the count (and the backoff) again. */
  stableAfterMs: number;
  /** Stop restarting after this many quick failures in a row; null: never stop trying. */
  giveUpAfter: number | null;
}

/** What the supervisor remembers between runs of one part. */
export interface RestartHistory {
  /** Stops in a row that each came before stableAfterMs. */
  quickFailures: number;
}

export type RestartDecision = { kind: 'restart'; delayMs: number; failuresInARow: number } | { kind: 'give_up'; failuresInARow: number };

export const NO_FAILURES: RestartHistory = { quickFailures: 0 };

/**
 * The demo server: the desk carries on without it, so it is restarted patiently (1 s, 2 s, 4 s…
 * up to 30 s) and given up on only after 6 quick failures in a row.
 */
export const SERVER_RESTARTS: RestartPolicy = { firstDelayMs: 1000, maxDelayMs: 30_000, stableAfterMs: 60_000, giveUpAfter: 6 };

/**
 * The browser host: without it nothing is saved, so it comes back fast (a quarter of a second
 * first), and after 5 quick failures in a row the desk stops with the reason rather than loop.
 */
export const HOST_RESTARTS: RestartPolicy = { firstDelayMs: 250, maxDelayMs: 8000, stableAfterMs: 30_000, giveUpAfter: 5 };

/** What to do after a part stopped by itself, having run for `ranForMs`. */
export function afterStop(history: RestartHistory, ranForMs: number, policy: RestartPolicy): { decision: RestartDecision; history: RestartHistory } {
  const quickFailures = ranForMs >= policy.stableAfterMs ? 1 : history.quickFailures + 1;
  const next = { quickFailures };
  // A part that had been running well is started again at once: its users are waiting.
  if (ranForMs >= policy.stableAfterMs) return { decision: { kind: 'restart', delayMs: 0, failuresInARow: 1 }, history: next };
  if (policy.giveUpAfter !== null && quickFailures > policy.giveUpAfter) return { decision: { kind: 'give_up', failuresInARow: quickFailures }, history: next };
  const delayMs = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.min(quickFailures - 1, 30));
  return { decision: { kind: 'restart', delayMs, failuresInARow: quickFailures }, history: next };
}
