import type { Schedule, Session } from '../domain/schedule';
import type { BankHolidayCalendar } from './bank-holidays';
import { dayNumberOf, instantOfLondonWallClock, londonScheduleMomentOf, weekdayOfDayNumber, type LocalMoment } from './calendar';

/*
 * Opening hours are London wall-clock sessions. A schedule is compiled once into a flat Int32Array
 * so that the core can test thousands of services per keystroke without allocating:
 *
 *   [0]        bank-holiday mode (0 as usual, 1 closed, 2 own sessions)
 *   [1]        number of dated exceptions
 *   [2..15]    for weekday 1..7: offset, count of its sessions
 *   [16..17]   offset, count of the bank-holiday sessions
 *   [18..]     per exception: first day, last day, offset, count
 *   then       sessions as start, end minutes after local midnight; end may pass 1440 (overnight)
 *
 * "Open" means the wall clock in London lies inside a session that started today, or inside an
 * overnight session that started yesterday. The same rule serves the fast per-row test and the
 * full status with "until" and "next opens". When the clocks change, a session boundary inside the
 * hour that is skipped (spring) happens at the jump, and one inside the hour that is repeated
 * (autumn) happens the first time the clocks show it (see londonScheduleMomentOf), so a service
 * never flickers open and shut because of the change, and "until" and "next opens" name the real
 * instants at which the per-row test changes its answer.
 */
export type CompiledSchedule = Int32Array;

const BH_AS_USUAL = 0;
const BH_CLOSED = 1;
const BH_OWN_SESSIONS = 2;
const HEADER = 18;
const DAY = 1440;

function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** Session → [start, end) in minutes after local midnight of the day it starts. */
export function sessionRange(s: Session): [number, number] {
  const start = minutesOf(s.opens);
  let end = minutesOf(s.closes);
  if (end <= start) end += DAY;
  return [start, end];
}

function normalise(ranges: [number, number][]): [number, number][] {
  const sorted = ranges.slice().sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

export function compileSchedule(schedule: Schedule): CompiledSchedule {
  const byDay: [number, number][][] = Array.from({ length: 7 }, () => []);
  if (schedule.alwaysOpen) for (const d of byDay) d.push([0, DAY]);
  for (const w of schedule.weekly) for (const day of w.days) byDay[day - 1]!.push(sessionRange(w));
  const bh = schedule.bankHolidays;
  const bhRanges = Array.isArray(bh) ? normalise(bh.map(sessionRange)) : [];
  const exceptions = schedule.exceptions.map((e) => ({
    from: dayNumberOf(e.from),
    to: dayNumberOf(e.to),
    ranges: normalise(e.sessions.map(sessionRange)),
  }));

  const out: number[] = new Array(HEADER + exceptions.length * 4).fill(0);
  out[0] = bh === 'as_usual' ? BH_AS_USUAL : bh === 'closed' ? BH_CLOSED : BH_OWN_SESSIONS;
  out[1] = exceptions.length;
  const append = (ranges: [number, number][], slot: number) => {
    out[slot] = out.length;
    out[slot + 1] = ranges.length;
    for (const [s, e] of ranges) out.push(s, e);
  };
  byDay.forEach((ranges, i) => append(normalise(ranges), 2 + i * 2));
  append(bhRanges, 16);
  exceptions.forEach((e, i) => {
    const slot = HEADER + i * 4;
    out[slot] = e.from;
    out[slot + 1] = e.to;
    append(e.ranges, slot + 2);
  });
  return Int32Array.from(out);
}

/** Where the sessions that start on `day` are: [offset, count] into the compiled array. */
function sessionsSlot(c: CompiledSchedule, day: number, weekday: number, isBankHoliday: boolean): number {
  const exceptions = c[1]!;
  for (let i = 0; i < exceptions; i++) {
    const slot = HEADER + i * 4;
    if (day >= c[slot]! && day <= c[slot + 1]!) return slot + 2;
  }
  if (isBankHoliday) {
    if (c[0] === BH_CLOSED) return -1;
    if (c[0] === BH_OWN_SESSIONS) return 16;
  }
  return 2 + (weekday - 1) * 2;
}

/** Sessions that start on the given local day, as [start, end) minutes after its midnight. */
export function sessionsStarting(c: CompiledSchedule, day: number, calendar: BankHolidayCalendar): [number, number][] {
  const slot = sessionsSlot(c, day, weekdayOfDayNumber(day), calendar.isBankHoliday(day));
  if (slot < 0) return [];
  const out: [number, number][] = [];
  for (let i = 0, at = c[slot]!; i < c[slot + 1]!; i++, at += 2) out.push([c[at]!, c[at + 1]!]);
  return out;
}

/** What the per-row test needs to know about "now", worked out once per query. */
export interface OpenContext extends LocalMoment {
  todayIsBankHoliday: boolean;
  yesterdayIsBankHoliday: boolean;
}

export function openContextAt(instant: Date | number, calendar: BankHolidayCalendar): OpenContext {
  const m = londonScheduleMomentOf(instant);
  return { ...m, todayIsBankHoliday: calendar.isBankHoliday(m.day), yesterdayIsBankHoliday: calendar.isBankHoliday(m.day - 1) };
}

/** The hot-path test: is the service open at the moment described by ctx? */
export function isOpen(c: CompiledSchedule, ctx: OpenContext): boolean {
  let slot = sessionsSlot(c, ctx.day, ctx.weekday, ctx.todayIsBankHoliday);
  if (slot >= 0) {
    for (let i = 0, at = c[slot]!; i < c[slot + 1]!; i++, at += 2) {
      if (c[at]! <= ctx.minute && ctx.minute < c[at + 1]!) return true;
    }
  }
  const yesterdayWeekday = ctx.weekday === 1 ? 7 : ctx.weekday - 1;
  slot = sessionsSlot(c, ctx.day - 1, yesterdayWeekday, ctx.yesterdayIsBankHoliday);
  if (slot >= 0) {
    const minute = ctx.minute + DAY;
    for (let i = 0, at = c[slot]!; i < c[slot + 1]!; i++, at += 2) {
      if (c[at + 1]! > minute && c[at]! <= minute) return true;
    }
  }
  return false;
}

export interface OpenStatus {
  open: boolean;
  /** When the current opening ends; null when open with no end in the next week (24/7). */
  until: Date | null;
  /** When it next opens; null when open now or closed for the whole of the next two weeks. */
  nextOpen: Date | null;
  /** Why today's hours differ from the weekly pattern, when they do. */
  todayIs: 'bank_holiday' | 'exception' | null;
}

const LOOKAHEAD_DAYS = 15;

/** Open intervals on the continuous London wall-clock timeline (minutes since 1970-01-01 local). */
function wallClockIntervals(c: CompiledSchedule, fromDay: number, toDay: number, calendar: BankHolidayCalendar): [number, number][] {
  const ranges: [number, number][] = [];
  for (let day = fromDay; day <= toDay; day++) {
    for (const [s, e] of sessionsStarting(c, day, calendar)) ranges.push([day * DAY + s, day * DAY + e]);
  }
  return normalise(ranges);
}

function exceptionCovers(c: CompiledSchedule, day: number): boolean {
  for (let i = 0; i < c[1]!; i++) {
    const slot = HEADER + i * 4;
    if (day >= c[slot]! && day <= c[slot + 1]!) return true;
  }
  return false;
}

/** Full status with "until" and "next opens", for the services actually shown. */
export function openStatus(c: CompiledSchedule, instant: Date | number, calendar: BankHolidayCalendar): OpenStatus {
  const ctx = openContextAt(instant, calendar);
  const now = ctx.day * DAY + ctx.minute;
  const horizonDay = ctx.day + LOOKAHEAD_DAYS;
  const intervals = wallClockIntervals(c, ctx.day - 1, horizonDay, calendar);
  const todayIs = exceptionCovers(c, ctx.day) ? 'exception' : ctx.todayIsBankHoliday && c[0] !== BH_AS_USUAL ? 'bank_holiday' : null;
  const instantOf = (wallClock: number) => instantOfLondonWallClock(0, wallClock).getTime();
  let i = intervals.findIndex(([s, e]) => s <= now && now < e);
  if (i >= 0) {
    // Apart on the wall clock but not in time: the hour skipped in spring can join two openings.
    let end = intervals[i]![1];
    while (i + 1 < intervals.length && instantOf(intervals[i + 1]![0]) <= instantOf(end)) end = Math.max(end, intervals[++i]![1]);
    const reachesHorizon = end >= (horizonDay + 1) * DAY - 1;
    return { open: true, until: reachesHorizon ? null : new Date(instantOf(end)), nextOpen: null, todayIs };
  }
  // A session wholly inside the hour skipped in spring never opens.
  const next = intervals.find(([s, e]) => s > now && instantOf(s) < instantOf(e));
  return { open: false, until: null, nextOpen: next ? new Date(instantOf(next[0])) : null, todayIs };
}
