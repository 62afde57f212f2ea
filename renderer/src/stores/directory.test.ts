import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Envelope, SearchResult, ServiceResult } from '../../../shared/contract';
import type { DirectoryService } from '../../../shared/domain/directory';
import { setDeskClient } from '../client/desk';
import { fakeDesk } from '../test-support/fake-desk';
import { keepUnchanged, SEARCHING_SHOWN_AFTER_MS, useDirectory } from './directory';

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

describe('"searching…" is shown only for a search that keeps the clinician waiting', () => {
  afterEach(() => {
    useDirectory.getState().clearCaller();
    setDeskClient(null);
    vi.useRealTimers();
  });

  /** A desk whose searches are answered when the test says, each with one result named for its text. */
  function slowDesk() {
    const desk = fakeDesk();
    const waiting: { text: string; answer: () => void }[] = [];
    desk.handle(
      'directory.search',
      (p) =>
        new Promise<Envelope<SearchResult>>((resolve) =>
          waiting.push({ text: p.text ?? '', answer: () => resolve({ ok: true, value: { results: [result(p.text ?? '', p.text)], total: 1, origin: null, place: null, evaluatedAt: '2026-11-25T14:00:00.000Z' } }) }),
        ),
    );
    setDeskClient(desk);
    return waiting;
  }
  const shown = () => useDirectory.getState().results.map((r) => r.service.name);

  it('is not shown for a search answered at once, and the results are those of the text typed', async () => {
    vi.useFakeTimers();
    const waiting = slowDesk();
    useDirectory.getState().setFilters({ text: 'crisis' });
    expect(useDirectory.getState().loading).toBe(false);
    await vi.advanceTimersByTimeAsync(20);
    waiting.shift()!.answer();
    await vi.advanceTimersByTimeAsync(SEARCHING_SHOWN_AFTER_MS * 2);
    expect(useDirectory.getState().loading).toBe(false);
    expect(shown()).toEqual(['crisis']);
  });

  it('is shown once a search has been on its way that long, through further keys, and goes with the answer to the last text', async () => {
    vi.useFakeTimers();
    const waiting = slowDesk();
    useDirectory.getState().setFilters({ text: 'cr' });
    await vi.advanceTimersByTimeAsync(SEARCHING_SHOWN_AFTER_MS - 50);
    useDirectory.getState().setFilters({ text: 'cri' });
    useDirectory.getState().setFilters({ text: 'cris' });
    expect(useDirectory.getState().loading).toBe(false);
    // Counted from the first key's search, not restarted by each key.
    await vi.advanceTimersByTimeAsync(60);
    expect(useDirectory.getState().loading).toBe(true);
    // The answer to "cr" arrives after "cris" was typed: dropped unseen; "cris" is asked.
    waiting.shift()!.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(shown()).toEqual([]);
    expect(useDirectory.getState().loading).toBe(true);
    expect(waiting.map((w) => w.text)).toEqual(['cris']);
    waiting.shift()!.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(useDirectory.getState().loading).toBe(false);
    expect(shown()).toEqual(['cris']);
    expect(useDirectory.getState().filters.text).toBe('cris');
  });
});
