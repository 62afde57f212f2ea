import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  dateOfDayNumber, dayNumberOf, instantOfLondonWallClock, londonDateOf, londonMomentOf, londonScheduleMomentOf, plainDayNumberOf, weekdayOfDayNumber,
} from './calendar';

const wall = (date: string, hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return instantOfLondonWallClock(dayNumberOf(date), h * 60 + m).toISOString();
};
const moment = (iso: string) => {
  const m = londonMomentOf(new Date(iso));
  return { date: dateOfDayNumber(m.day), weekday: m.weekday, time: `${String(Math.floor(m.minute / 60)).padStart(2, '0')}:${String(m.minute % 60).padStart(2, '0')}` };
};
const scheduleTime = (iso: string) => {
  const m = londonScheduleMomentOf(new Date(iso));
  return `${dateOfDayNumber(m.day)} ${String(Math.floor(m.minute / 60)).padStart(2, '0')}:${String(m.minute % 60).padStart(2, '0')}`;
};

describe('calendar days', () => {
  it('numbers days from 1970-01-01 and back', () => {
    expect(dayNumberOf('1970-01-01')).toBe(0);
    expect(dayNumberOf('1969-12-31')).toBe(-1);
    expect(dayNumberOf('2026-03-29') - dayNumberOf('2026-03-28')).toBe(1);
    for (const d of ['2026-02-28', '2028-02-29', '2026-12-31', '2027-01-01', '1999-12-31']) expect(dateOfDayNumber(dayNumberOf(d))).toBe(d);
  });

  it('gives the plain answer (Date.UTC) for every date, whatever its shape', () => {
    const same = (date: string) => expect(Object.is(dayNumberOf(date), plainDayNumberOf(date)) || (Number.isNaN(dayNumberOf(date)) && Number.isNaN(plainDayNumberOf(date))), date).toBe(true);
    const two = (n: number) => String(n).padStart(2, '0');
    // Every month and day a file could hold, in range or not (00, 13, the 29th–32nd), leap years and
    // centuries included, and the years Date.UTC reads as 19xx.
    for (const year of [0, 1, 50, 99, 100, 1000, 1600, 1700, 1899, 1900, 1969, 1970, 1999, 2000, 2024, 2026, 2100, 2400, 9999]) {
      for (let month = 0; month <= 13; month++) for (let day = 0; day <= 32; day++) same(`${String(year).padStart(4, '0')}-${two(month)}-${two(day)}`);
    }
    for (let day = -800_000; day <= 800_000; day += 997) same(dateOfDayNumber(day));
    for (const odd of ['', '2026-1-5', '2026-01-5', '2026/01/05', '2026-01-05T10:00', '20260105', 'abcd-ef-gh', '2026-0a-05', '2026- 1-05', '+2026-01-05', '-002026-01-05', '2026-01-0٣']) same(odd);
  });

  it('knows the weekday of a day number', () => {
    expect(weekdayOfDayNumber(dayNumberOf('1970-01-01'))).toBe(4); // Thursday
    expect(weekdayOfDayNumber(dayNumberOf('2026-12-25'))).toBe(5); // Friday
    expect(weekdayOfDayNumber(dayNumberOf('2026-12-27'))).toBe(7); // Sunday
    expect(weekdayOfDayNumber(dayNumberOf('2026-12-28'))).toBe(1); // Monday
    expect(weekdayOfDayNumber(dayNumberOf('1969-12-29'))).toBe(1); // before the epoch too
  });
});

describe('London wall clock', () => {
  it('reads an instant as London time, GMT in winter and BST in summer', () => {
    expect(moment('2026-12-09T08:30:00Z')).toEqual({ date: '2026-12-09', weekday: 3, time: '08:30' });
    expect(moment('2026-06-10T08:30:00Z')).toEqual({ date: '2026-06-10', weekday: 3, time: '09:30' });
    expect(moment('2026-06-30T23:30:00Z')).toEqual({ date: '2026-07-01', weekday: 3, time: '00:30' });
    expect(londonDateOf(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01');
    expect(londonDateOf(new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31');
  });

  it('agrees with the time-zone database every 7 minutes from 2025 to 2028, and before 1970', () => {
    const check = (ms: number) => {
      const t = DateTime.fromMillis(ms, { zone: 'Europe/London' });
      const m = londonMomentOf(ms);
      if (m.day !== dayNumberOf(t.toISODate()!) || m.weekday !== t.weekday || m.minute !== t.hour * 60 + t.minute) {
        expect(m, new Date(ms).toISOString()).toEqual({ day: dayNumberOf(t.toISODate()!), weekday: t.weekday, minute: t.hour * 60 + t.minute });
      }
    };
    for (let ms = Date.parse('2025-01-01T00:00:00Z'); ms < Date.parse('2028-01-01T00:00:00Z'); ms += 7 * 60_000 + 13_001) check(ms);
    for (let ms = Date.parse('1968-01-01T00:00:00Z'); ms < Date.parse('1972-12-31T00:00:00Z'); ms += 97 * 60_000 + 1) check(ms); // British Standard Time, 1968–71
  });

  it('jumps from 00:59 GMT to 02:00 BST in spring', () => {
    expect(moment('2026-03-29T00:59:00Z').time).toBe('00:59');
    expect(moment('2026-03-29T01:00:00Z').time).toBe('02:00');
    expect(moment('2027-03-28T01:00:00Z').time).toBe('02:00');
  });

  it('shows 01:00–01:59 twice in autumn; for opening hours the second pass is held at 01:59', () => {
    expect(moment('2026-10-25T00:30:00Z').time).toBe('01:30');
    expect(moment('2026-10-25T01:30:00Z').time).toBe('01:30');
    expect(scheduleTime('2026-10-25T00:30:00Z')).toBe('2026-10-25 01:30');
    expect(scheduleTime('2026-10-25T00:59:00Z')).toBe('2026-10-25 01:59');
    expect(scheduleTime('2026-10-25T01:00:00Z')).toBe('2026-10-25 01:59');
    expect(scheduleTime('2026-10-25T01:59:59Z')).toBe('2026-10-25 01:59');
    expect(scheduleTime('2026-10-25T02:00:00Z')).toBe('2026-10-25 02:00');
    expect(scheduleTime('2027-10-31T01:15:00Z')).toBe('2027-10-31 01:59');
    // everywhere else the two readings agree
    for (const iso of ['2026-10-24T01:30:00Z', '2026-10-25T00:00:00Z', '2026-10-25T02:30:00Z', '2026-03-29T01:00:00Z', '2026-06-10T12:00:00Z']) {
      expect(londonScheduleMomentOf(new Date(iso)), iso).toEqual(londonMomentOf(new Date(iso)));
    }
  });

  it('turns a wall-clock time back into an instant', () => {
    expect(wall('2026-12-09', '09:00')).toBe('2026-12-09T09:00:00.000Z');
    expect(wall('2026-06-10', '09:00')).toBe('2026-06-10T08:00:00.000Z');
    expect(wall('2026-06-10', '24:00')).toBe('2026-06-10T23:00:00.000Z');
    expect(instantOfLondonWallClock(dayNumberOf('2026-06-10'), 1440 + 360).toISOString()).toBe('2026-06-11T05:00:00.000Z');
    expect(instantOfLondonWallClock(0, dayNumberOf('2026-12-09') * 1440 + 540).toISOString()).toBe('2026-12-09T09:00:00.000Z');
  });

  it('resolves a time skipped in spring to the moment the clocks jump', () => {
    expect(wall('2026-03-29', '00:59')).toBe('2026-03-29T00:59:00.000Z');
    for (const t of ['01:00', '01:01', '01:30', '01:59', '02:00']) expect(wall('2026-03-29', t), t).toBe('2026-03-29T01:00:00.000Z');
    expect(wall('2026-03-29', '02:01')).toBe('2026-03-29T01:01:00.000Z');
    expect(wall('2027-03-28', '01:45')).toBe('2027-03-28T01:00:00.000Z');
  });

  it('resolves a time repeated in autumn to its first occurrence, in BST', () => {
    expect(wall('2026-10-25', '00:59')).toBe('2026-10-24T23:59:00.000Z');
    expect(wall('2026-10-25', '01:00')).toBe('2026-10-25T00:00:00.000Z');
    expect(wall('2026-10-25', '01:30')).toBe('2026-10-25T00:30:00.000Z');
    expect(wall('2026-10-25', '01:59')).toBe('2026-10-25T00:59:00.000Z');
    expect(wall('2026-10-25', '02:00')).toBe('2026-10-25T02:00:00.000Z');
    expect(wall('2027-10-31', '01:30')).toBe('2027-10-31T00:30:00.000Z');
  });

  it('is the inverse of the schedule reading: the first instant at which the clocks show that time or later', () => {
    // Minute by minute through both change nights of 2026 and 2027.
    for (const start of ['2026-03-28T22:00:00Z', '2026-10-24T22:00:00Z', '2027-03-27T22:00:00Z', '2027-10-30T22:00:00Z']) {
      let previous = -Infinity;
      for (let ms = Date.parse(start); ms < Date.parse(start) + 8 * 3_600_000; ms += 60_000) {
        const m = londonScheduleMomentOf(ms);
        const wallClock = m.day * 1440 + m.minute;
        expect(wallClock, new Date(ms).toISOString()).toBeGreaterThanOrEqual(previous); // never goes back
        const first = instantOfLondonWallClock(0, wallClock).getTime();
        expect(first, new Date(ms).toISOString()).toBeLessThanOrEqual(ms);
        if (wallClock > previous) expect(first, new Date(ms).toISOString()).toBe(ms);
        previous = wallClock;
      }
    }
  });
});
