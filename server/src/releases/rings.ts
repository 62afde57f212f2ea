import { createHash } from 'node:crypto';
import semver from 'semver';

/*
 * Which release a desk is offered: the pure decision behind the update feed and the fleet view.
 * A release rolls out in stages an admin moves it through:
 *   pilot       only desks whose machine policy puts them in the pilot ring;
 *   percentage  the pilot ring and that share of the other desks, chosen by a stable hash of the
 *               desk's id (the same desks go early every time, so IT knows which they are);
 *   all         every desk;
 *   withdrawn   no desk (a bad release: desks already on it are offered the newest good one only
 *               if it is newer, never a downgrade).
 * A desk with a pinned version is never offered anything newer than the pin. Of the releases a
 * desk may have, the newest wins.
 */

export type Stage = 'pilot' | 'percentage' | 'all' | 'withdrawn';

export interface RolloutRelease {
  version: string;
  stage: Stage;
  percentage: number;
}

export interface DeskRing {
  deskId: string;
  ring: 'pilot' | 'general';
  pinVersion: string | null;
}

/** The desk's place in the percentage rollout, 0–99, the same for every release of its trust. */
export function rolloutBucket(trustId: string, deskId: string): number {
  return createHash('sha256').update(`${trustId}\0${deskId}`).digest().readUInt32BE(0) % 100;
}

export function eligible(trustId: string, release: RolloutRelease, desk: DeskRing): boolean {
  if (release.stage === 'withdrawn') return false;
  if (desk.pinVersion && semver.gt(release.version, desk.pinVersion)) return false;
  if (release.stage === 'all' || desk.ring === 'pilot') return true;
  return release.stage === 'percentage' && rolloutBucket(trustId, desk.deskId) < release.percentage;
}

/** The newest release the desk may have, or null. */
export function offeredRelease<R extends RolloutRelease>(trustId: string, releases: R[], desk: DeskRing): R | null {
  let best: R | null = null;
  for (const r of releases) if (eligible(trustId, r, desk) && (!best || semver.gt(r.version, best.version))) best = r;
  return best;
}

/** Whether a desk running `version` is behind what its ring offers it now. */
export function behindRing(trustId: string, releases: RolloutRelease[], desk: DeskRing & { version: string }): string | null {
  const offered = offeredRelease(trustId, releases, desk);
  return offered && semver.gt(offered.version, desk.version) ? offered.version : null;
}
