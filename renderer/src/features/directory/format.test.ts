import { describe, expect, it } from 'vitest';
import type { OpenState } from '../../../../shared/contract';
import { ageOutsideRange, ageRangeLabel, openSummary, weeklyHours } from './format';

const now = new Date('2026-11-24T12:00:00Z'); // Tuesday, GMT
const state = (s: Partial<OpenState>): OpenState => ({ open: false, until: null, nextOpen: null, todayIs: null, bankHolidayName: null, ...s });
const active = { status: 'active' as const };

describe('what the screen says about opening', () => {
  it('says until when an open service closes, in London time', () => {
    expect(openSummary(state({ open: true, until: '2026-11-24T23:00:00Z' }), active, now)).toMatchObject({ tone: 'open', label: 'Open now', detail: 'until 23:00' });
    expect(openSummary(state({ open: true, until: '2026-11-25T06:00:00Z' }), active, now).detail).toBe('until tomorrow 06:00');
    expect(openSummary(state({ open: true }), active, now).detail).toBe('24 hours');
  });

  it('says when a closed service next opens, with the weekday', () => {
    expect(openSummary(state({ nextOpen: '2026-11-26T09:00:00Z' }), active, now)).toMatchObject({ tone: 'closed', label: 'Closed', detail: 'opens Thu 09:00' });
    expect(openSummary(state({ nextOpen: '2026-06-04T08:00:00Z' }), active, new Date('2026-06-02T12:00:00Z')).detail).toBe('opens Thu 09:00');
  });

  it('names a bank holiday and puts a temporary closure first', () => {
    const s = openSummary(state({ open: true, until: '2026-12-25T16:00:00Z', todayIs: 'bank_holiday', bankHolidayName: 'Christmas Day' }), active, new Date('2026-12-25T10:00:00Z'));
    expect(s.note).toMatch(/Christmas Day/);
    expect(openSummary(state({ open: true }), { status: 'temporarily_closed' }, now).tone).toBe('temporarily_closed');
  });
});

describe('age ranges', () => {
  it('labels every shape of range', () => {
    expect(ageRangeLabel(null, null)).toBe('All ages');
    expect(ageRangeLabel(18, null)).toBe('Ages 18+');
    expect(ageRangeLabel(11, 17)).toBe('Ages 11–17');
    expect(ageRangeLabel(null, 25)).toBe('Ages up to 25');
  });
  it('flags an age outside the range, never an unknown age', () => {
    expect(ageOutsideRange(15, 18, null)).toBe(true);
    expect(ageOutsideRange(18, 18, null)).toBe(false);
    expect(ageOutsideRange(26, null, 25)).toBe(true);
    expect(ageOutsideRange(null, 18, 25)).toBe(false);
  });
});

describe('weekly hours', () => {
  it('shows overnight sessions and closed days', () => {
    const rows = weeklyHours({ alwaysOpen: false, bankHolidays: 'closed', exceptions: [], weekly: [{ days: [5, 6], opens: '18:00', closes: '02:00' }] });
    expect(rows[0]).toEqual({ day: 'Monday', hours: 'Closed' });
    expect(rows[4]).toEqual({ day: 'Friday', hours: '18:00–02:00 (next day)' });
  });
});
