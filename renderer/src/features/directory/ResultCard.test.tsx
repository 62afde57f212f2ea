// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceResult } from '../../../../shared/contract';
import type { DirectoryService } from '../../../../shared/domain/directory';
import { ResultCard } from './ResultCard';

const service: DirectoryService = {
  id: 'svc-1',
  organisation: { id: 'org-1', name: 'Southwark Mind' },
  name: 'Peckham Crisis Café',
  type: 'crisis_cafe',
  status: 'active',
  ageMin: 18,
  ageMax: null,
  referral: { routes: ['self'], how: 'Walk in.' },
  phones: [
    { number: '020 7946 0999', type: 'professionals', label: 'Referrals' },
    { number: '0800 123 4567', type: 'public' },
    { number: '85258', type: 'text' },
  ],
  locations: [],
  coverage: { national: false, postcodes: ['SE15'] },
  schedule: { alwaysOpen: false, weekly: [{ days: [1, 2, 3, 4, 5], opens: '18:00', closes: '23:00' }], bankHolidays: 'closed', exceptions: [] },
  keywords: [],
  lastVerified: null,
};

const result = (over: Partial<ServiceResult> = {}): ServiceResult => ({
  service,
  distanceKm: 1.34,
  coversOrigin: true,
  catchment: { kind: 'covers', code: 'SE15' },
  openState: { open: true, until: '2026-11-24T23:00:00Z', nextOpen: null, todayIs: null, bankHolidayName: null },
  dataAgeDays: null,
  stale: true,
  score: 1,
  ...over,
});

const origin = { label: 'SE5 8AZ', district: 'SE5', lat: 51.47, lon: -0.09, precision: 'sector' as const, radiusKm: 0.8 };
const noop = () => {};

function show(r: ServiceResult, callerAge: number | null = null, at: string | null = null) {
  render(
    <ResultCard
      result={r}
      index={0}
      active={false}
      origin={origin}
      now={Date.parse('2026-11-24T19:00:00Z')}
      at={at === null ? null : Date.parse(at)}
      callerAge={callerAge}
      canRefer
      onFocus={noop}
      onOpen={noop}
      onRefer={noop}
      onReport={noop}
    />,
  );
}

afterEach(cleanup);

describe('a directory result', () => {
  it('says open until when, the distance, the age range and how to refer', () => {
    show(result());
    expect(screen.getByText('Open now')).toBeTruthy();
    expect(screen.getByText('until 23:00')).toBeTruthy();
    expect(screen.getByText('1.3 km')).toBeTruthy();
    expect(screen.getByText('Ages 18+')).toBeTruthy();
    expect(screen.getByText('Self-referral')).toBeTruthy();
  });

  it('puts the public number first and marks professionals-only and text numbers in words', () => {
    show(result());
    const phones = screen.getAllByRole('button', { name: /^Copy / });
    expect(phones.map((p) => p.textContent)).toEqual([
      'Copy 0800 123 4567',
      'Copy 85258Text',
      'Copy 020 7946 0999Professionals only, Referrals',
    ]);
  });

  it('warns when the data was never verified, and when the caller is too young', () => {
    show(result(), 15);
    expect(screen.getByText(/Never verified by the publisher/)).toBeTruthy();
    expect(screen.getByText(/not for age 15/)).toBeTruthy();
  });

  it('says when a closed service opens next, and flags a temporary closure', () => {
    show(result({ openState: { open: false, until: null, nextOpen: '2026-11-26T18:00:00Z', todayIs: null, bankHolidayName: null } }));
    expect(screen.getByText('Closed')).toBeTruthy();
    expect(screen.getByText('opens Thu 18:00')).toBeTruthy();
    cleanup();
    show(result({ service: { ...service, status: 'temporarily_closed', alert: 'Closed for refurbishment until January.' } }));
    expect(screen.getByText('Temporarily closed')).toBeTruthy();
    expect(screen.getByText('Closed for refurbishment until January.')).toBeTruthy();
  });

  it('says why it is listed for the caller’s place: covers it, a site nearby, outside its area, or national', () => {
    show(result());
    expect(screen.getByTestId('catchment').textContent).toBe('Serves the caller: its area covers SE15, site 1.3 km away');
    cleanup();
    show(result({ catchment: { kind: 'covers', code: 'SE' }, distanceKm: null }));
    expect(screen.getByTestId('catchment').textContent).toBe('Serves the caller: its area covers all of SE');
    cleanup();
    show(result({ catchment: { kind: 'site_nearby' }, distanceKm: 12.4 }));
    expect(screen.getByTestId('catchment').textContent).toBe('Site nearby, 12 km away: no catchment area published');
    cleanup();
    show(result({ catchment: { kind: 'outside_catchment' }, distanceKm: 0.8 }));
    expect(screen.getByTestId('catchment').textContent).toBe('Site 0.8 km away, but its area does not include SE5: check it takes the caller');
    expect(screen.getByTestId('catchment').className).toContain('result__catchment--check');
    cleanup();
    show(result({ catchment: { kind: 'national' }, distanceKm: null, service: { ...service, coverage: { national: true, postcodes: [], description: 'Anywhere in England' } } }));
    expect(screen.getByTestId('catchment').textContent).toBe('National service: anywhere in England');
    cleanup();
    show(result({ catchment: null }));
    expect(screen.queryByTestId('catchment')).toBeNull();
  });

  it('names the moment asked about when judged at another time, never “open now”', () => {
    show(result({ openState: { open: true, until: '2026-11-26T06:00:00Z', nextOpen: null, todayIs: null, bankHolidayName: null } }), null, '2026-11-26T02:00:00Z');
    expect(screen.queryByText('Open now')).toBeNull();
    expect(screen.getByText('Open at 02:00')).toBeTruthy();
    expect(screen.getByText('until Thu 06:00')).toBeTruthy();
    cleanup();
    show(result({ openState: { open: false, until: null, nextOpen: '2026-11-26T09:00:00Z', todayIs: null, bankHolidayName: null } }), null, '2026-11-26T02:00:00Z');
    expect(screen.getByText('Closed at 02:00')).toBeTruthy();
  });

  it('warns with each open report and local correction, and never offers a number marked not working', () => {
    show(
      result({
        service: {
          ...service,
          phones: [{ number: '0800 123 4567', type: 'public', notWorking: true }, { number: '020 7946 0002', type: 'out_of_hours' }],
          openReports: [
            { id: '0190a000-0000-7000-8000-000000000001', kind: 'hours_wrong', reportedAt: '2026-11-23T10:00:00Z' },
            { id: '0190a000-0000-7000-8000-000000000002', kind: 'number_not_answering', phone: '0800 123 4567', reportedAt: '2026-11-24T14:20:00Z' },
          ],
          localCorrections: [{ id: '0190a000-0000-7000-8000-000000000003', kind: 'phone_not_working', number: '0800 123 4567', note: 'Line fault', madeAt: '2026-11-24T15:00:00Z' }],
        },
      }),
    );
    const reports = screen.getByTestId('open-reports');
    expect([...reports.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      'Reported 14:20 today: number not answering or wrong (0800 123 4567)',
      'Reported yesterday 10:00: hours wrong',
    ]);
    expect(screen.getByTestId('local-correction').textContent).toBe('Local correction: 0800 123 4567 is not working: do not give it to callers (Line fault)');
    // The dead number is shown, struck through and last, never as a copy button.
    expect(screen.getAllByRole('button', { name: /^Copy / }).map((p) => p.textContent)).toEqual(['Copy 020 7946 0002Out of hours']);
    expect(screen.getByTestId('phone-not-working').textContent).toContain('Not working: do not give');
  });

  it('shows a report made on this desk as not yet on the other desks, and at most two on the card', () => {
    const r = (n: number) => ({ id: `0190a000-0000-7000-8000-00000000001${n}`, kind: 'other' as const, note: `note ${n}`, reportedAt: `2026-11-24T1${n}:00:00Z` });
    show(result({ service: { ...service, openReports: [r(1), r(2), { ...r(3), local: true }] } }));
    expect([...screen.getByTestId('open-reports').querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      'Reported 13:00 today: other problem — “note 3”. Sent from this desk; not yet on the other desks.',
      'Reported 12:00 today: other problem — “note 2”',
      'and 1 more: open the details.',
    ]);
  });
});
