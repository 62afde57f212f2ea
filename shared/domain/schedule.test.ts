import { describe, expect, it } from 'vitest';
import { ALWAYS_OPEN, BankHolidayRule, LocalDate, LocalTime, Schedule, WeeklySession } from './schedule';

describe('schedule schema', () => {
  it('takes times as HH:MM from 00:00 to 23:59, and 24:00', () => {
    for (const t of ['00:00', '09:05', '23:59', '24:00']) expect(LocalTime.safeParse(t).success, t).toBe(true);
    for (const t of ['9:00', '24:01', '25:00', '12:60', '12:5', '1200', '', 'noon']) expect(LocalTime.safeParse(t).success, t).toBe(false);
  });

  it('takes dates as YYYY-MM-DD', () => {
    for (const d of ['2026-12-25', '2027-01-01']) expect(LocalDate.safeParse(d).success, d).toBe(true);
    for (const d of ['2026-13-01', '2026-00-10', '2026-12-32', '26-12-25', '2026/12/25']) expect(LocalDate.safeParse(d).success, d).toBe(false);
  });

  it('a weekly session needs at least one ISO weekday 1–7', () => {
    expect(WeeklySession.safeParse({ opens: '09:00', closes: '17:00', days: [1, 7] }).success).toBe(true);
    expect(WeeklySession.safeParse({ opens: '09:00', closes: '17:00', days: [] }).success).toBe(false);
    expect(WeeklySession.safeParse({ opens: '09:00', closes: '17:00', days: [0] }).success).toBe(false);
    expect(WeeklySession.safeParse({ opens: '09:00', closes: '17:00', days: [8] }).success).toBe(false);
  });

  it('bank holidays are as usual, closed, or at least one session of their own', () => {
    expect(BankHolidayRule.safeParse('as_usual').success).toBe(true);
    expect(BankHolidayRule.safeParse('closed').success).toBe(true);
    expect(BankHolidayRule.safeParse([{ opens: '10:00', closes: '14:00' }]).success).toBe(true);
    expect(BankHolidayRule.safeParse([]).success).toBe(false);
    expect(BankHolidayRule.safeParse('open').success).toBe(false);
  });

  it('ALWAYS_OPEN is a valid schedule', () => {
    expect(Schedule.parse(ALWAYS_OPEN)).toEqual(ALWAYS_OPEN);
  });
});
