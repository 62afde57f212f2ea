import type { BankHolidayRule, Schedule, ScheduleException, WeeklySession } from '../../shared/domain/schedule';
import { addDays, longDate, nextChristmasYear } from './dates';
import type { Random } from './random';

/** ISO weekdays, 1 = Monday. */
export const DAYS = {
  all: [1, 2, 3, 4, 5, 6, 7],
  weekdays: [1, 2, 3, 4, 5],
  weekend: [6, 7],
  friToSun: [5, 6, 7],
  thuToSun: [4, 5, 6, 7],
  thuToSat: [4, 5, 6],
  friSat: [5, 6],
  monWedFri: [1, 3, 5],
  tueThu: [2, 4],
  monWed: [1, 3],
  tueToSat: [2, 3, 4, 5, 6],
  monToThu: [1, 2, 3, 4],
} as const;

export function session(days: readonly number[], opens: string, closes: string): WeeklySession {
  return { days: [...days], opens, closes };
}

export function alwaysOpen(bankHolidays: BankHolidayRule = 'as_usual'): Schedule {
  return { alwaysOpen: true, weekly: [], bankHolidays, exceptions: [] };
}

export function weekly(sessions: WeeklySession[], bankHolidays: BankHolidayRule = 'as_usual', note?: string): Schedule {
  return { alwaysOpen: false, weekly: sessions, bankHolidays, exceptions: [], ...(note ? { note } : {}) };
}

/** Weekday nights from 17:00 to 09:00 and all weekend: the classic out-of-hours line. */
export function outOfHours(): Schedule {
  return weekly([session(DAYS.weekdays, '17:00', '09:00'), session(DAYS.weekend, '00:00', '24:00')], 'as_usual', 'Out of hours only; in office hours contact the community team.');
}

/** Most services with opening hours close on bank holidays or open shorter hours. */
export function bankHolidayRule(rng: Random, odds: { closed: number; shortHours: number }, shortHours: [string, string] = ['12:00', '18:00']): BankHolidayRule {
  const r = rng.float();
  if (r < odds.closed) return 'closed';
  if (r < odds.closed + odds.shortHours) return [{ opens: shortHours[0], closes: shortHours[1] }];
  return 'as_usual';
}

/** Christmas and New Year hours for the coming Christmas after `asOf`. */
export function christmasExceptions(schedule: Schedule, asOf: string, rng: Random): ScheduleException[] {
  const y = nextChristmasYear(asOf);
  const d = (md: string) => `${y}-${md}`;
  if (schedule.alwaysOpen) {
    return [{ from: d('12-25'), to: d('12-25'), sessions: [{ opens: '00:00', closes: '24:00' }], note: 'Open as usual on Christmas Day; expect longer waits to get through.' }];
  }
  return rng.pick([
    () => [{ from: d('12-25'), to: d('12-26'), sessions: [], note: 'Closed Christmas Day and Boxing Day.' }],
    () => [
      { from: d('12-24'), to: d('12-24'), sessions: [{ opens: '10:00', closes: '16:00' }], note: 'Christmas Eve: closing at 4pm.' },
      { from: d('12-25'), to: d('12-25'), sessions: [], note: 'Closed Christmas Day.' },
      { from: d('12-31'), to: d('12-31'), sessions: [{ opens: '10:00', closes: '18:00' }], note: "New Year's Eve: closing at 6pm." },
    ],
    () => [{ from: d('12-25'), to: d('12-25'), sessions: [{ opens: '12:00', closes: '20:00' }], note: 'Open on Christmas Day from 12pm to 8pm, with Christmas dinner for guests.' }],
    () => [{ from: d('12-24'), to: `${y + 1}-01-01`, sessions: [], note: `Closed over Christmas and New Year; reopens on ${longDate(`${y + 1}-01-02`)}.` }],
  ])();
}

/** A closure of a few days to a few weeks near `asOf` (building works, training, a move). */
export function temporaryClosure(asOf: string, rng: Random): ScheduleException {
  const from = addDays(asOf, rng.int(-20, 90));
  const reason = rng.pick([
    { days: [7, 28], note: 'Closed for refurbishment.' },
    { days: [0, 0], note: 'Closed for staff training.' },
    { days: [2, 14], note: 'Closed while the service moves to new premises.' },
    { days: [1, 3], note: 'Closed for building works; phone support continues as usual.' },
  ] as const);
  return { from, to: addDays(from, rng.int(reason.days[0], reason.days[1])), sessions: [], note: reason.note };
}
