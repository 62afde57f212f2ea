import { IANAZone } from 'luxon';

/** Opening hours and "today" are always judged in England's civil time zone. */
export const LONDON_ZONE = 'Europe/London';

const MS_PER_DAY = 86_400_000;
const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const london = IANAZone.create(LONDON_ZONE);

const offsetByHour = new Map<number, number>();

/**
 * London's offset from UTC at an instant, in milliseconds (0 in GMT, one hour in BST). Asking the
 * time-zone database is slow, and the offset only changes on a whole UTC hour, so it is kept per
 * hour (an hour in which it did change is never kept, so the answer is always exact).
 */
function offsetAt(ms: number): number {
  const hour = Math.floor(ms / MS_PER_HOUR);
  const known = offsetByHour.get(hour);
  if (known !== undefined) return known;
  const offset = london.offset(hour * MS_PER_HOUR) * MS_PER_MINUTE;
  if (london.offset((hour + 1) * MS_PER_HOUR - 1) * MS_PER_MINUTE !== offset) return london.offset(ms) * MS_PER_MINUTE;
  if (offsetByHour.size >= 100_000) offsetByHour.clear();
  offsetByHour.set(hour, offset);
  return offset;
}

/** The first whole minute in (lo, hi] with hi's offset; lo and hi are whole minutes either side of a change. */
function changeBetween(lo: number, hi: number): number {
  const before = offsetAt(lo);
  while (hi - lo > MS_PER_MINUTE) {
    const mid = lo + Math.floor((hi - lo) / MS_PER_MINUTE / 2) * MS_PER_MINUTE;
    if (offsetAt(mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Days since 1970-01-01 of a 'YYYY-MM-DD' calendar date (no time zone involved). */
export function dayNumberOf(date: string): number {
  // The desk reads 100,000 services' verification dates at every start: split, map and Date.UTC
  // took 70–100 ms of it (measured), the arithmetic below 6 ms. Any other shape (and the years
  // Date.UTC reads as 19xx) takes the plain way; calendar.test.ts holds both to the same answers.
  if (date.length === 10 && date.charCodeAt(4) === 45 && date.charCodeAt(7) === 45) {
    const y = digitAt(date, 0) * 1000 + digitAt(date, 1) * 100 + digitAt(date, 2) * 10 + digitAt(date, 3);
    const m = digitAt(date, 5) * 10 + digitAt(date, 6);
    const d = digitAt(date, 8) * 10 + digitAt(date, 9);
    if (y >= 100 && m >= 1 && m <= 12 && d >= 0) return daysFromCivil(y, m, d);
  }
  return plainDayNumberOf(date);
}

/** dayNumberOf as Date.UTC reads it, for any shape of date. Exported for its test. */
export function plainDayNumberOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Math.round(Date.UTC(y, m - 1, d) / MS_PER_DAY);
}

/** The digit at i, or NaN (which no check above lets through). */
function digitAt(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): years run
 * from March so that the leap day comes last. Linear in the day, so a day past the month's end
 * rolls over into the next month as Date.UTC's does.
 */
function daysFromCivil(y: number, m: number, d: number): number {
  const year = m <= 2 ? y - 1 : y;
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const dayOfYear = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

// A month's export names the same few dozen days 60,000 times (a tenth of a CSV's CPU before this).
const dayTexts = new Map<number, string>();

export function dateOfDayNumber(day: number): string {
  let text = dayTexts.get(day);
  if (text === undefined) {
    text = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
    if (dayTexts.size >= 4096) dayTexts.clear();
    dayTexts.set(day, text);
  }
  return text;
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a day number; 1970-01-01 was a Thursday. */
export function weekdayOfDayNumber(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** Wall-clock position in London: the local calendar day and the minute within it. */
export interface LocalMoment {
  day: number;
  weekday: number;
  minute: number;
}

export function londonMomentOf(instant: Date | number): LocalMoment {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  const local = ms + offsetAt(ms);
  const day = Math.floor(local / MS_PER_DAY);
  return { day, weekday: weekdayOfDayNumber(day), minute: Math.floor((local - day * MS_PER_DAY) / MS_PER_MINUTE) };
}

/**
 * Where London's clocks stand for judging opening hours. The same as londonMomentOf except in the
 * hour repeated when the clocks go back (01:00–01:59 shows first in BST, then again in GMT): during
 * the second pass the minute is held at the last minute of that hour. A time inside the repeated
 * hour so happens once, the first time the clocks show it, and a session that closes at 01:30 does
 * not reopen when the clocks show 01:00 again. instantOfLondonWallClock is the inverse.
 */
export function londonScheduleMomentOf(instant: Date | number): LocalMoment {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  const moment = londonMomentOf(ms);
  const wentBack = offsetAt(ms - MS_PER_HOUR) - offsetAt(ms);
  if (wentBack <= 0 || offsetAt(ms - wentBack) === offsetAt(ms)) return moment;
  // In the second pass: hold the clock at the minute before the change, as the first pass showed it.
  const whole = Math.floor(ms / MS_PER_MINUTE) * MS_PER_MINUTE;
  return londonMomentOf(changeBetween(whole - wentBack, whole) - MS_PER_MINUTE);
}

/**
 * The first instant at which London's clocks show `minute` minutes after midnight on `day` (minute
 * may exceed a day), as londonScheduleMomentOf reads them. A time repeated when the clocks go back
 * resolves to its first occurrence (BST); a time skipped when they go forward resolves to the moment
 * they jump (01:00 UTC), which is when anything due to happen in the skipped hour happens.
 */
export function instantOfLondonWallClock(day: number, minute: number): Date {
  const asIfUtc = day * MS_PER_DAY + minute * MS_PER_MINUTE;
  const offsetBefore = offsetAt(asIfUtc - MS_PER_DAY);
  const offsetAfter = offsetAt(asIfUtc + MS_PER_DAY);
  if (offsetBefore === offsetAfter) return new Date(asIfUtc - offsetBefore);
  const inOldOffset = asIfUtc - offsetBefore;
  const inNewOffset = asIfUtc - offsetAfter;
  const oldValid = offsetAt(inOldOffset) === offsetBefore;
  const newValid = offsetAt(inNewOffset) === offsetAfter;
  if (oldValid && newValid) return new Date(Math.min(inOldOffset, inNewOffset));
  if (oldValid) return new Date(inOldOffset);
  if (newValid) return new Date(inNewOffset);
  return new Date(changeBetween(Math.min(inOldOffset, inNewOffset), Math.max(inOldOffset, inNewOffset)));
}

/** Today's date in London as 'YYYY-MM-DD'. */
export function londonDateOf(instant: Date | number): string {
  return dateOfDayNumber(londonMomentOf(instant).day);
}
