export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/** Retries start at a second and never wait more than three minutes. */
export const SYNC_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 180_000 };

/**
 * "Full jitter" backoff: a uniformly random wait up to the exponential bound, so that desks coming
 * back after the same outage do not retry in lock-step.
 */
export function fullJitterDelay(attempt: number, policy: BackoffPolicy = SYNC_BACKOFF, random: () => number = Math.random): number {
  const bound = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * bound);
}

/** Milliseconds a Retry-After header asks for (delta-seconds or an HTTP date), capped; null when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, nowMs: number, capMs = SYNC_BACKOFF.capMs): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(capMs, Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.min(capMs, Math.max(0, at - nowMs));
}
