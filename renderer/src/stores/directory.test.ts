import { describe, expect, it } from 'vitest';
import type { ServiceResult } from '../../../shared/contract';
import type { DirectoryService } from '../../../shared/domain/directory';
import { keepUnchanged } from './directory';

const service = (id: string, name: string): DirectoryService => ({
  id,
  organisation: { id: 'org-1', name: 'Southwark Mind' },
  name,
  type: 'crisis_cafe',
  status: 'active',
  ageMin: 18,
  ageMax: null,
  referral: { routes: ['self'], how: 'Walk in.' },
  phones: [{ number: '0800 123 4567', type: 'public' }],
  locations: [],
  coverage: { national: false, postcodes: ['SE15'] },
  schedule: { alwaysOpen: false, weekly: [{ days: [1, 2, 3, 4, 5], opens: '18:00', closes: '23:00' }], bankHolidays: 'closed', exceptions: [] },
  keywords: [],
  lastVerified: '2026-10-01',
});

const result = (id: string, name = `Service ${id}`): ServiceResult => ({
  service: service(id, name),
  distanceKm: 1.34,
  coversOrigin: true,
  catchment: { kind: 'covers', code: 'SE15' },
  openState: { open: true, until: '2026-11-24T23:00:00Z', nextOpen: null, todayIs: null, bankHolidayName: null },
  dataAgeDays: 54,
  stale: false,
  score: 1,
});

/** The same answer as it comes off the wire again: equal facts, new objects. */
const again = (r: ServiceResult[]): ServiceResult[] => JSON.parse(JSON.stringify(r)) as ServiceResult[];

describe('a new answer keeps the results already shown that did not change', () => {
  it('keeps the object shown for a service answered again with the same facts, so its card is not drawn again', () => {
    const shown = [result('a'), result('b'), result('c')];
    const next = keepUnchanged(shown, again(shown));
    expect(next).toHaveLength(3);
    next.forEach((r, i) => expect(r).toBe(shown[i]));
  });

  it('takes the new answer’s result for a service whose facts or judgement changed', () => {
    const shown = [result('a'), result('b'), result('c'), result('d'), result('e')];
    const fresh = again(shown);
    fresh[0]!.openState = { open: false, until: null, nextOpen: '2026-11-25T18:00:00Z', todayIs: null, bankHolidayName: null }; // closed since
    fresh[1]!.distanceKm = 7.9; // another postcode
    fresh[2]!.service.openReports = [{ id: '0190f0f0-0000-7000-8000-000000000001', kind: 'number_not_answering', reportedAt: '2026-11-24T18:40:00Z' }];
    fresh[3]!.service.phones[0]!.notWorking = true;
    fresh[4]!.stale = true;
    const next = keepUnchanged(shown, fresh);
    next.forEach((r, i) => {
      expect(r).not.toBe(shown[i]);
      expect(r).toBe(fresh[i]);
    });
  });

  it('follows the new answer’s order and services: new ones in, gone ones out, the same ones moved', () => {
    const [a, b, c] = [result('a'), result('b'), result('c')];
    const d = result('d');
    const next = keepUnchanged([a, b, c], [...again([c, a]), d]);
    expect(next.map((r) => r.service.id)).toEqual(['c', 'a', 'd']);
    expect(next[0]).toBe(c);
    expect(next[1]).toBe(a);
    expect(next[2]).toBe(d);
  });

  it('does not take a shown result for another service that reads the same', () => {
    const shown = [result('a', 'Peckham Crisis Café')];
    const other = result('z', 'Peckham Crisis Café');
    const [next] = keepUnchanged(shown, [other]);
    expect(next).toBe(other);
    expect(next!.service.id).toBe('z');
  });

  it('takes the answer as it is when nothing is shown', () => {
    const fresh = [result('a')];
    expect(keepUnchanged([], fresh)).toBe(fresh);
  });
});
