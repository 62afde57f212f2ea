import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { Schedule, type Session } from '../../../shared/domain/schedule';
import { englandAndWalesCalendar } from '../../../shared/lib/bank-holidays';
import { dayNumberOf, weekdayOfDayNumber } from '../../../shared/lib/calendar';
import { compileSchedule, sessionRange, sessionsStarting } from '../../../shared/lib/opening-hours';
import { RecordDefects } from './defects';
import type { DatedHours, PublishedHours, WeeklyPattern } from './read-hours';
import { NO_HOURS_NOTE, resolveSchedule, type ResolveContext } from './resolve-schedule';

const calendar = englandAndWalesCalendar();
const AS_OF = dayNumberOf('2026-11-02'); // a Monday
const ctx: ResolveContext = { asOf: AS_OF, horizonDays: 120, calendar };
const day = (date: string) => dayNumberOf(date);

function pattern(p: Partial<WeeklyPattern> & Pick<WeeklyPattern, 'days' | 'opens' | 'closes'>): WeeklyPattern {
  return { from: null, to: null, label: 'Schedule x', field: 'schedules[0]', ...p };
}

function hours(p: Partial<PublishedHours>): PublishedHours {
  return { published: true, patterns: [], holidays: [], notes: [], closedOnBankHolidays: false, ...p };
}

function resolve(h: PublishedHours, c: ResolveContext = ctx) {
  const d = new RecordDefects();
  const result = resolveSchedule(h, c, d);
  Schedule.parse(result.schedule);
  return { ...result, defects: d.list };
}

/** What the published hours say for one day: holidays first, then the bank-holiday rule, then every schedule in force. */
function publishedOn(h: PublishedHours, d: number): Session[] {
  const holiday = h.holidays.find((x) => x.from <= d && d <= x.to);
  if (holiday) return holiday.sessions;
  if (h.closedOnBankHolidays && calendar.isBankHoliday(d)) return [];
  return h.patterns.filter((p) => (p.from === null || p.from <= d) && (p.to === null || d <= p.to) && p.days.includes(weekdayOfDayNumber(d))).map((p) => ({ opens: p.opens, closes: p.closes }));
}

function merged(sessions: Session[]): [number, number][] {
  const out: [number, number][] = [];
  for (const r of sessions.map(sessionRange).sort((a, b) => a[0] - b[0])) {
    const last = out.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([...r]);
  }
  return out;
}

describe('resolveSchedule', () => {
  it('uses open-ended weekly hours as they are', () => {
    const r = resolve(hours({ patterns: [pattern({ days: [1, 2, 3, 4, 5], opens: '09:00', closes: '17:00' })] }));
    expect(r.schedule).toEqual({ alwaysOpen: false, weekly: [{ days: [1, 2, 3, 4, 5], opens: '09:00', closes: '17:00' }], bankHolidays: 'as_usual', exceptions: [] });
    expect(r.hasHours).toBe(true);
  });

  it('merges schedules with the same hours and turns every hour of every day into "always open"', () => {
    const r = resolve(hours({ patterns: [pattern({ days: [1, 2, 3], opens: '00:00', closes: '24:00' }), pattern({ days: [4, 5, 6, 7], opens: '00:00', closes: '24:00' })] }));
    expect(r.schedule).toMatchObject({ alwaysOpen: true, weekly: [] });
  });

  it('reads "closed on bank holidays" into the bank-holiday rule', () => {
    const r = resolve(hours({ patterns: [pattern({ days: [1], opens: '09:00', closes: '17:00' })], closedOnBankHolidays: true }));
    expect(r.schedule.bankHolidays).toBe('closed');
  });

  it('leaves out a schedule that has ended, with a warning', () => {
    const r = resolve(hours({ patterns: [pattern({ days: [1], opens: '09:00', closes: '17:00', to: day('2026-10-31'), label: 'Schedule old' })] }));
    expect(r.hasHours).toBe(false);
    expect(r.schedule).toEqual({ alwaysOpen: false, weekly: [], bankHolidays: 'as_usual', exceptions: [], note: NO_HOURS_NOTE });
    expect(r.defects).toEqual([expect.objectContaining({ field: 'schedules[0]', severity: 'warning', reason: 'Schedule old ended on 2026-10-31; left out.' })]);
  });

  it('shows a service closed for good after the last opening of hours that end', () => {
    const r = resolve(hours({ patterns: [pattern({ days: [1, 3], opens: '10:00', closes: '16:00', to: day('2026-12-20') })] }));
    // Wednesday 16 December is the last published opening.
    expect(r.schedule.weekly).toEqual([{ days: [1, 3], opens: '10:00', closes: '16:00' }]);
    expect(r.schedule.exceptions).toEqual([{ from: '2026-12-17', to: '9999-12-31', sessions: [], note: 'The published hours run out here.' }]);
  });

  it('spells out, day by day, hours that start later in the window', () => {
    const r = resolve(hours({ patterns: [pattern({ days: [6], opens: '10:00', closes: '14:00', from: day('2027-02-20') })] }));
    // Most of the window has no Saturday opening yet, so the weekly pattern is empty and each Saturday from the 20th is an exception.
    expect(r.schedule.weekly).toEqual([]);
    expect(r.schedule.exceptions.slice(0, 2)).toEqual([
      { from: '2027-02-20', to: '2027-02-20', sessions: [{ opens: '10:00', closes: '14:00' }] },
      { from: '2027-02-27', to: '2027-02-27', sessions: [{ opens: '10:00', closes: '14:00' }] },
    ]);
    expect(r.hasHours).toBe(true);
  });

  it('leaves out hours that start beyond the window, with a warning that a later import will include them', () => {
    const r = resolve(hours({ patterns: [pattern({ days: [6], opens: '10:00', closes: '14:00', from: day('2028-01-01') })] }));
    expect(r.hasHours).toBe(false);
    expect(r.defects[0]!.reason).toMatch(/starts on 2028-01-01, beyond the 120-day window; a later import will include it/);
  });

  it('puts dated holiday hours first, so they win over the weekly hours', () => {
    const holidays: DatedHours[] = [{ from: day('2026-12-24'), to: day('2026-12-26'), sessions: [] }];
    const r = resolve(hours({ patterns: [pattern({ days: [1, 2, 3, 4, 5, 6, 7], opens: '00:00', closes: '24:00' })], holidays }));
    expect(r.schedule).toMatchObject({ alwaysOpen: true, exceptions: [{ from: '2026-12-24', to: '2026-12-26', sessions: [] }] });
  });

  it('is never open on a day the published hours do not give, and exact across the window (property)', () => {
    const time = fc.integer({ min: 0, max: 95 }).map((q) => `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`);
    const bound = fc.option(fc.integer({ min: -60, max: 300 }).map((o) => AS_OF + o), { nil: null });
    const patternArb = fc
      .record({ days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }), opens: time, closes: time, from: bound, to: bound })
      .filter((p) => p.opens !== p.closes && (p.from === null || p.to === null || p.from <= p.to))
      .map((p) => pattern({ ...p, days: [...p.days].sort() }));
    const holidayArb = fc
      .record({ from: fc.integer({ min: -10, max: 150 }), length: fc.integer({ min: 0, max: 6 }), open: fc.boolean(), opens: time, closes: time })
      .filter((h) => h.opens !== h.closes)
      .map((h): DatedHours => ({ from: AS_OF + h.from, to: AS_OF + h.from + h.length, sessions: h.open ? [{ opens: h.opens, closes: h.closes }] : [] }));
    fc.assert(
      fc.property(fc.array(patternArb, { maxLength: 4 }), fc.array(holidayArb, { maxLength: 2 }), fc.boolean(), (patterns, holidays, closedOnBankHolidays) => {
        const h = hours({ patterns, holidays, closedOnBankHolidays });
        const { schedule } = resolve(h);
        const compiled = compileSchedule(schedule);
        for (let d = AS_OF; d <= AS_OF + ctx.horizonDays; d++) {
          expect(sessionsStarting(compiled, d, calendar), `day ${d - AS_OF}`).toEqual(merged(publishedOn(h, d)));
        }
        for (let d = AS_OF + ctx.horizonDays + 1; d <= AS_OF + 500; d += 3) {
          const allowed = merged(publishedOn(h, d));
          for (const [s, e] of sessionsStarting(compiled, d, calendar)) expect(allowed.some(([as, ae]) => as <= s && e <= ae), `day ${d - AS_OF}`).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('hours on another clock', () => {
  const WEEKDAYS = [1, 2, 3, 4, 5];
  const londonSessions = (schedule: Schedule, date: string) => sessionsStarting(compileSchedule(schedule), day(date), calendar);
  const at = (opens: string, closes: string): [number, number] => sessionRange({ opens, closes });

  it('converts hours given at UTC−05:00 to London time, moving an hour with British Summer Time', () => {
    const r = resolve(hours({ patterns: [pattern({ days: WEEKDAYS, opens: '09:00', closes: '17:00', zone: 'UTC-5' })] }), { ...ctx, horizonDays: 250 });
    expect(r.hasHours).toBe(true);
    expect(londonSessions(r.schedule, '2026-11-04')).toEqual([at('14:00', '22:00')]);
    expect(londonSessions(r.schedule, '2027-04-07')).toEqual([at('15:00', '23:00')]);
    expect(londonSessions(r.schedule, '2027-04-10')).toEqual([]);
    // After the window the hours still in force go on: the summer hours, not "closed for good".
    expect(r.schedule.exceptions.some((e) => e.to === '9999-12-31')).toBe(false);
  });

  it('follows both countries’ clock changes for a named zone (New York changes two weeks before London)', () => {
    const r = resolve(hours({ patterns: [pattern({ days: WEEKDAYS, opens: '09:00', closes: '17:00', zone: 'America/New_York' })] }), { ...ctx, horizonDays: 200 });
    expect(londonSessions(r.schedule, '2026-11-04')).toEqual([at('14:00', '22:00')]);
    expect(londonSessions(r.schedule, '2027-03-17')).toEqual([at('13:00', '21:00')]);
    expect(londonSessions(r.schedule, '2027-03-31')).toEqual([at('14:00', '22:00')]);
  });

  it('moves a session that crosses London midnight onto the London day it starts', () => {
    // Monday 01:00–05:00 at UTC+03:00 is Sunday 22:00 – Monday 02:00 in London (GMT).
    const r = resolve(hours({ patterns: [pattern({ days: [1], opens: '01:00', closes: '05:00', zone: 'UTC+3' })] }), { ...ctx, horizonDays: 60 });
    expect(londonSessions(r.schedule, '2026-11-08')).toEqual([at('22:00', '02:00')]);
    expect(londonSessions(r.schedule, '2026-11-09')).toEqual([]);
  });

  it('agrees, day by day, with the published hours placed in time (property)', () => {
    const zone = fc.constantFrom('UTC-5', 'UTC+3', 'UTC+5:30', 'UTC-10', 'America/New_York', 'Europe/Paris', 'Asia/Kolkata', 'Australia/Sydney');
    const time = fc.integer({ min: 0, max: 95 }).map((q) => `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`);
    const zoned = fc
      .record({ days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }), opens: time, closes: time, zone })
      .filter((p) => p.opens !== p.closes)
      .map((p) => pattern({ ...p, days: [...p.days].sort() }));
    const horizonDays = 200;
    fc.assert(
      fc.property(zoned, (p) => {
        const { schedule } = resolve(hours({ patterns: [p] }), { ...ctx, horizonDays });
        const compiled = compileSchedule(schedule);
        // Where each published session falls, by the clock of its zone, read on London's clock.
        const expected = new Map<number, [number, number][]>();
        for (let d = AS_OF - 3; d <= AS_OF + horizonDays + 3; d++) {
          if (!p.days.includes(weekdayOfDayNumber(d))) continue;
          const date = new Date(d * 86_400_000).toISOString().slice(0, 10);
          const opens = DateTime.fromISO(`${date}T${p.opens}`, { zone: p.zone! }).setZone('Europe/London');
          const overnight = p.closes <= p.opens;
          const closeDate = new Date((d + (overnight ? 1 : 0)) * 86_400_000).toISOString().slice(0, 10);
          const closes = DateTime.fromISO(`${closeDate}T${p.closes}`, { zone: p.zone! }).setZone('Europe/London');
          const londonDay = dayNumberOf(opens.toISODate()!);
          expected.set(londonDay, merged([...(expected.get(londonDay) ?? []).map(([s, e]) => ({ opens: hhmm(s), closes: hhmm(e) })), { opens: opens.toFormat('HH:mm'), closes: closes.toFormat('HH:mm') }]));
        }
        for (let d = AS_OF; d <= AS_OF + horizonDays; d++) expect(sessionsStarting(compiled, d, calendar), `day ${d - AS_OF}`).toEqual(expected.get(d) ?? []);
      }),
      { numRuns: 60, seed: Number(process.env.FC_SEED ?? 4242) },
    );
  });
});

describe('validity of holiday hours', () => {
  it('reports dated hours that are over by the import date instead of dropping them silently', () => {
    const r = resolve(hours({ patterns: [pattern({ days: [1], opens: '09:00', closes: '17:00' })], holidays: [{ from: day('2026-01-01'), to: day('2026-01-02'), sessions: [], label: 'Holiday schedule h1', field: 'holiday_schedules[0]' }] }));
    expect(r.schedule.exceptions).toEqual([]);
    expect(r.defects).toEqual([{ field: 'holiday_schedules[0]', severity: 'warning', reason: 'Holiday schedule h1 ended on 2026-01-02; left out.' }]);
  });
});

const hhmm = (minute: number) => `${String(Math.floor((minute % 1440) / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
