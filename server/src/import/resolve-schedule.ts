import type { BankHolidayRule, Schedule, ScheduleException, Session, WeeklySession } from '../../../shared/domain/schedule';
import type { BankHolidayCalendar } from '../../../shared/lib/bank-holidays';
import { DateTime } from 'luxon';
import { dateOfDayNumber, dayNumberOf, LONDON_ZONE, weekdayOfDayNumber } from '../../../shared/lib/calendar';
import { sessionRange } from '../../../shared/lib/opening-hours';
import { truncate } from './clean-text';
import type { RecordDefects } from './defects';
import type { DatedHours, PublishedHours, WeeklyPattern } from './read-hours';

/*
 * Published hours → our Schedule, as of the import date. Our model has one weekly pattern plus
 * dated exceptions; HSDS schedules each have their own validity dates. So:
 *
 * - the weekly pattern is the set of schedules in force on most days of the coming window
 *   (`horizonDays`, a year by default);
 * - every day in the window whose hours differ from that pattern (a schedule that ends next month,
 *   one that starts in the spring) gets a dated exception with that day's exact hours;
 * - if any schedule of the weekly pattern has an end date, the service is shown closed for good
 *   from the day after its last published opening in the window ("published hours run out"):
 *   never open on hours nobody published. A re-import (the server runs them routinely) moves the
 *   window on.
 *
 * Hours on another clock (read-zone.ts) are first converted to London time for each day of the
 * window: a run of weeks with the same London hours becomes a pattern valid for those dates, so
 * "09:00-05:00" is 14:00 in the winter and 15:00 in British Summer Time, and the weeks when the
 * two countries' clocks change on different dates come out exactly.
 *
 * Expired schedules are left out with a warning. The result is never wider than what was published.
 */

export interface ResolveContext {
  /** The import date (London), as a day number. */
  asOf: number;
  horizonDays: number;
  calendar: BankHolidayCalendar;
}

export interface ResolvedSchedule {
  schedule: Schedule;
  /** False when nothing published gives a single open hour from the import date on. */
  hasHours: boolean;
}

export const NO_HOURS_NOTE = 'No current opening hours were published: check with the service before referring.';
const FAR_FUTURE = '9999-12-31';

const toMinutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));

/** A pattern on another clock → London patterns, each valid for the run of days its London hours hold. */
export function londonPatterns(p: WeeklyPattern, first: number, last: number): WeeklyPattern[] {
  if (!p.zone) return [p];
  const runs = new Map<string, { weekday: number; opens: string; closes: string; days: number[] }>();
  // A day early and late: the conversion can move a session onto the next or previous London day.
  for (let day = first - 1; day <= last + 1; day++) {
    if (!p.days.includes(weekdayOfDayNumber(day)) || !activeOn(p, day)) continue;
    const date = dateOfDayNumber(day);
    const opens = DateTime.fromISO(`${date}T${p.opens}`, { zone: p.zone }).setZone(LONDON_ZONE);
    const closesNextDay = p.closes === '24:00' || toMinutes(p.closes) <= toMinutes(p.opens);
    const closesAt = DateTime.fromISO(`${dateOfDayNumber(closesNextDay ? day + 1 : day)}T${p.closes === '24:00' ? '00:00' : p.closes}`, { zone: p.zone }).setZone(LONDON_ZONE);
    const londonDay = dayNumberOf(opens.toISODate()!);
    const o = opens.toFormat('HH:mm');
    let c = closesAt.toFormat('HH:mm');
    if (c === o) c = o === '00:00' ? '24:00' : c;
    const key = `${weekdayOfDayNumber(londonDay)} ${o} ${c}`;
    const run = runs.get(key) ?? { weekday: weekdayOfDayNumber(londonDay), opens: o, closes: c, days: [] };
    run.days.push(londonDay);
    runs.set(key, run);
  }
  const out: WeeklyPattern[] = [];
  for (const run of runs.values()) {
    // Consecutive weeks with the same London hours make one pattern.
    let start = run.days[0]!;
    for (let i = 1; i <= run.days.length; i++) {
      const prev = run.days[i - 1]!;
      if (i < run.days.length && run.days[i]! - prev === 7) continue;
      const from = start <= first + 6 && p.from === null ? null : start;
      const to = prev >= last - 6 && p.to === null ? null : prev;
      out.push({ days: [run.weekday], opens: run.opens, closes: run.closes, from, to, label: p.label, field: p.field, zone: null });
      if (i < run.days.length) start = run.days[i]!;
    }
  }
  return out;
}

function activeOn(p: WeeklyPattern, day: number): boolean {
  return (p.from === null || p.from <= day) && (p.to === null || day <= p.to);
}

function sessionsOn(patterns: WeeklyPattern[], day: number): Session[] {
  const weekday = weekdayOfDayNumber(day);
  const keys = new Set<string>();
  for (const p of patterns) if (p.days.includes(weekday)) keys.add(`${p.opens}-${p.closes}`);
  return [...keys].sort().map((k) => ({ opens: k.slice(0, 5), closes: k.slice(6) }));
}

const sameSessions = (a: Session[], b: Session[]) => a.length === b.length && a.every((s, i) => s.opens === b[i]!.opens && s.closes === b[i]!.closes);

function weeklyOf(patterns: WeeklyPattern[]): WeeklySession[] {
  const byTimes = new Map<string, Set<number>>();
  for (const p of patterns) {
    const key = `${p.opens}-${p.closes}`;
    const days = byTimes.get(key) ?? new Set<number>();
    for (const day of p.days) days.add(day);
    byTimes.set(key, days);
  }
  return [...byTimes].map(([k, days]) => ({ days: [...days].sort((a, b) => a - b), opens: k.slice(0, 5), closes: k.slice(6) }));
}

/** Every weekday covered from 00:00 to 24:00 by sessions starting that day. */
function coversEveryHour(weekly: WeeklySession[]): boolean {
  for (let day = 1; day <= 7; day++) {
    const ranges = weekly.filter((w) => w.days.includes(day)).map(sessionRange).sort((a, b) => a[0] - b[0]);
    let reached = 0;
    for (const [s, e] of ranges) if (s <= reached) reached = Math.max(reached, e);
    if (reached < 1440) return false;
  }
  return true;
}

/** The weekly pattern and the dated exceptions that make the schedule exact across [first, last]. */
function walkWindow(
  live: WeeklyPattern[],
  holidays: DatedHours[],
  bankHolidays: BankHolidayRule,
  first: number,
  last: number,
  calendar: BankHolidayCalendar,
): { base: WeeklyPattern[]; exceptions: ScheduleException[] } {
  const onHoliday = (day: number) => holidays.some((h) => h.from <= day && day <= h.to);
  // Each day's exact hours, and the last day of the window with any opening.
  const setOn = (day: number) => live.filter((p) => activeOn(p, day));
  const effective = (day: number, set: WeeklyPattern[]) => (bankHolidays === 'closed' && calendar.isBankHoliday(day) ? [] : sessionsOn(set, day));
  const actual = new Map<number, Session[]>();
  let lastOpen = first - 1;
  for (let day = first; day <= last; day++) {
    const sessions = effective(day, setOn(day));
    actual.set(day, sessions);
    if (sessions.length > 0 || holidays.some((h) => h.from <= day && day <= h.to && h.sessions.length > 0)) lastOpen = day;
  }
  // The weekly pattern: the set of schedules in force on the most days of the window, up to its last opening.
  const tally = new Map<string, { count: number; set: WeeklyPattern[] }>();
  for (let day = first; day <= lastOpen; day++) {
    if (onHoliday(day)) continue;
    const set = setOn(day);
    const key = set.map((p) => live.indexOf(p)).join(',');
    const entry = tally.get(key) ?? { count: 0, set };
    entry.count++;
    tally.set(key, entry);
  }
  let base: WeeklyPattern[] = [];
  let best = 0;
  for (const { count, set } of tally.values()) if (count > best) [base, best] = [set, count];
  // Hours that go on beyond the window (no end date) are the weekly pattern even when another set
  // holds more days of the window: it is what applies after the window, and the days before are
  // spelled out as exceptions.
  const lasting = setOn(lastOpen);
  if (base.some((p) => p.to !== null) && lasting.length > 0 && lasting.every((p) => p.to === null)) base = lasting;

  // Where the weekly pattern has an end date, the service is shown closed for good from the day after
  // its last published opening in the window.
  const ends = base.flatMap((p) => (p.to === null ? [] : [p.to]));
  const closedFrom = ends.length > 0 ? lastOpen + 1 : null;

  // Days before that whose exact hours differ from the weekly pattern become exceptions, merged into runs.
  const exceptions: ScheduleException[] = holidays.map((h) => ({ from: dateOfDayNumber(h.from), to: dateOfDayNumber(h.to), sessions: h.sessions }));
  let run: { from: number; to: number; sessions: Session[] } | null = null;
  const closeRun = () => {
    if (run) exceptions.push({ from: dateOfDayNumber(run.from), to: dateOfDayNumber(run.to), sessions: run.sessions });
    run = null;
  };
  for (let day = first; day <= Math.min(last, (closedFrom ?? Infinity) - 1); day++) {
    const sessions = actual.get(day)!;
    if (onHoliday(day) || sameSessions(sessions, effective(day, base))) {
      closeRun();
      continue;
    }
    if (run && run.to === day - 1 && sameSessions(run.sessions, sessions)) run.to = day;
    else {
      closeRun();
      run = { from: day, to: day, sessions };
    }
  }
  closeRun();
  if (closedFrom !== null) exceptions.push({ from: dateOfDayNumber(closedFrom), to: FAR_FUTURE, sessions: [], note: 'The published hours run out here.' });

  return { base, exceptions };
}

export function resolveSchedule(hours: PublishedHours, ctx: ResolveContext, d: RecordDefects): ResolvedSchedule {
  // Start a day early: an overnight session that began yesterday is still open today.
  const first = ctx.asOf - 1;
  const last = ctx.asOf + ctx.horizonDays;
  const current = hours.patterns.filter((p) => {
    if (p.to !== null && p.to < ctx.asOf) {
      d.warn(p.field, `${p.label} ended on ${dateOfDayNumber(p.to)}; left out.`);
      return false;
    }
    if (p.from !== null && p.from > last) {
      d.warn(p.field, `${p.label} starts on ${dateOfDayNumber(p.from)}, beyond the ${ctx.horizonDays}-day window; a later import will include it.`);
      return false;
    }
    return true;
  });
  // A converted pattern's runs of weeks that end before today are just the past.
  const live = current.flatMap((p) => londonPatterns(p, first, last)).filter((p) => p.to === null || p.to >= first);
  const holidays = hours.holidays.filter((h) => {
    if (h.to >= first) return true;
    d.warn(h.field ?? 'holiday_schedules', `${h.label ?? 'A holiday schedule'} ended on ${dateOfDayNumber(h.to)}; left out.`);
    return false;
  });
  const bankHolidays: BankHolidayRule = hours.closedOnBankHolidays ? 'closed' : 'as_usual';
  // The common case, hours in force throughout: no need to walk the window.
  const settled = live.every((p) => (p.from === null || p.from <= first) && p.to === null);
  const { base, exceptions } = settled
    ? { base: live, exceptions: holidays.map((h) => ({ from: dateOfDayNumber(h.from), to: dateOfDayNumber(h.to), sessions: h.sessions })) }
    : walkWindow(live, holidays, bankHolidays, first, last, ctx.calendar);

  let weekly = weeklyOf(base);
  const alwaysOpen = weekly.length > 0 && coversEveryHour(weekly);
  if (alwaysOpen) weekly = [];
  const hasHours = alwaysOpen || weekly.length > 0 || exceptions.some((e) => e.sessions.length > 0);

  const notes = hasHours ? hours.notes : [NO_HOURS_NOTE, ...hours.notes];
  let note: string | undefined = notes.join('\n') || undefined;
  if (note && note.length > 1000) {
    d.warn('schedules', `The schedule descriptions were ${note.length} characters long; shortened to 1000.`);
    note = truncate(note, 1000);
  }
  const schedule: Schedule = hasHours
    ? { alwaysOpen, weekly, bankHolidays, exceptions, ...(note ? { note } : {}) }
    : { alwaysOpen: false, weekly: [], bankHolidays, exceptions: [], ...(note ? { note } : {}) };
  return { schedule, hasHours };
}
