import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { behindRing, eligible, offeredRelease, rolloutBucket, type RolloutRelease } from './rings';

const desk = (ring: 'pilot' | 'general' = 'general', pinVersion: string | null = null) => ({ deskId: randomUUID(), ring, pinVersion });

describe('rings', () => {
  it('puts each desk in a stable bucket, spread evenly over 0–99, different per trust', () => {
    const ids = Array.from({ length: 5000 }, () => randomUUID());
    const buckets = ids.map((d) => rolloutBucket('t', d));
    expect(ids.map((d) => rolloutBucket('t', d))).toEqual(buckets);
    const under10 = buckets.filter((b) => b < 10).length / ids.length;
    expect(under10).toBeGreaterThan(0.07);
    expect(under10).toBeLessThan(0.13);
    expect(Math.min(...buckets)).toBe(0);
    expect(Math.max(...buckets)).toBe(99);
    expect(ids.filter((d) => rolloutBucket('t', d) !== rolloutBucket('u', d)).length).toBeGreaterThan(4000);
  });

  it('follows the stage: pilot ring only, then a share, then all; withdrawn never', () => {
    const pilot = desk('pilot');
    const general = desk();
    const at = (stage: RolloutRelease['stage'], percentage = 0): RolloutRelease => ({ version: '2.0.0', stage, percentage });
    expect([eligible('t', at('pilot'), pilot), eligible('t', at('pilot'), general)]).toEqual([true, false]);
    expect(eligible('t', at('percentage', 100), general)).toBe(true);
    expect(eligible('t', at('percentage', rolloutBucket('t', general.deskId)), general)).toBe(false);
    expect(eligible('t', at('percentage', rolloutBucket('t', general.deskId) + 1), general)).toBe(true);
    expect([eligible('t', at('all'), general), eligible('t', at('withdrawn'), pilot)]).toEqual([true, false]);
  });

  it('offers the newest eligible release by version order (not upload order), never beyond a pin', () => {
    const releases: RolloutRelease[] = [
      { version: '1.10.0', stage: 'all', percentage: 0 },
      { version: '1.9.3', stage: 'all', percentage: 0 },
      { version: '2.0.0-rc.1', stage: 'pilot', percentage: 0 },
      { version: '1.2.0', stage: 'withdrawn', percentage: 0 },
    ];
    expect(offeredRelease('t', releases, desk())?.version).toBe('1.10.0');
    expect(offeredRelease('t', releases, desk('pilot'))?.version).toBe('2.0.0-rc.1');
    expect(offeredRelease('t', releases, desk('pilot', '1.9.9'))?.version).toBe('1.9.3');
    expect(offeredRelease('t', releases, desk('general', '1.0.0'))).toBeNull();
    expect(behindRing('t', releases, { ...desk(), version: '1.9.3' })).toBe('1.10.0');
    expect(behindRing('t', releases, { ...desk(), version: '1.10.0' })).toBeNull();
    expect(behindRing('t', releases, { ...desk(), version: '3.0.0' })).toBeNull();
  });
});
