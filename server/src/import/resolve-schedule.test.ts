import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Schedule, type Session } from '../../../shared/domain/schedule';
import { englandAndWalesCalendar } from '../../../shared/lib/bank-holidays';
import { dayNumberOf, weekdayOfDayNumber } from '../../../shared/lib/calendar';
import { compileSchedule, sessionRange, sessionsStarting } from '../../../shared/lib/opening-hours';
import { DefectLog } from './defects';
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
  const log = new DefectLog('test');
  const result = resolveSchedule(h, c, log.forRecord('r', 'R'));
  Schedule.parse(result.schedule);
  return { ...result, defects: log.defects };
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
