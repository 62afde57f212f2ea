import { dateOfDayNumber, dayNumberOf, instantOfLondonWallClock, LONDON_ZONE, londonDateOf, londonMomentOf } from '../../../shared/lib/calendar';

/*
 * Every time on the screen is London wall-clock time, whatever the desk's own zone: opening hours,
 * callbacks and the call's start are all judged in Europe/London (DESIGN.md §8).
 */

const fmt = (o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-GB', { timeZone: LONDON_ZONE, ...o });
const hm = fmt({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const hms = fmt({ hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const weekday = fmt({ weekday: 'short' });
const dayMonth = fmt({ day: 'numeric', month: 'short' });
const dayMonthYear = fmt({ day: 'numeric', month: 'short', year: 'numeric' });
const longDay = fmt({ weekday: 'long', day: 'numeric', month: 'long' });

const toDate = (t: string | number | Date) => (t instanceof Date ? t : new Date(t));

/** "14:02" */
export const timeHM = (t: string | number | Date) => hm.format(toDate(t));
/** "14:02:11" */
export const timeHMS = (t: string | number | Date) => hms.format(toDate(t));
/** "Sat 28 Nov 10:00": a moment within the year, unambiguous. */
export const dayTimeLabel = (t: string | number | Date) => `${weekday.format(toDate(t))} ${dayMonth.format(toDate(t))} ${timeHM(t)}`;
/** "22 Nov 2026" */
export const dateDMY = (t: string | number | Date) => dayMonthYear.format(toDate(t));
/** "Sunday 22 November" */
export const dateLong = (t: string | number | Date) => longDay.format(toDate(t));

/** A London calendar date 'YYYY-MM-DD' as "3 Dec 2026" (no time-zone shift). */
export function localDateLabel(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(Date.UTC(y, m - 1, d)));
}

function daysBetween(from: Date, to: Date): number {
  return dayNumberOf(londonDateOf(to)) - dayNumberOf(londonDateOf(from));
}

/**
 * A moment near now, the way a clinician says it: "14:00" today, "tomorrow 09:00",
 * "Thu 09:00" within the week, "Thu 3 Dec 09:00" beyond.
 */
export function relativeMoment(t: string | Date, now: Date): string {
  const d = toDate(t);
  const days = daysBetween(now, d);
  if (days === 0) return timeHM(d);
  if (days === 1) return `tomorrow ${timeHM(d)}`;
  if (days === -1) return `yesterday ${timeHM(d)}`;
  if (days > 1 && days < 7) return `${weekday.format(d)} ${timeHM(d)}`;
  return `${weekday.format(d)} ${dayMonth.format(d)} ${timeHM(d)}`;
}

/** "in 45 min", "in 16 h 30 min", "in 3 days", "2 h ago": how far a moment is from now. */
export function fromNow(t: string | Date, now: Date): string {
  const mins = Math.round((toDate(t).getTime() - now.getTime()) / 60_000);
  const span = Math.abs(mins);
  const words =
    span < 1 ? 'now' : span < 60 ? `${span} min` : span < 48 * 60 ? (span % 60 ? `${Math.floor(span / 60)} h ${span % 60} min` : `${span / 60} h`) : `${Math.round(span / 1440)} days`;
  return span < 1 ? 'now' : mins > 0 ? `in ${words}` : `${words} ago`;
}

/** "just now", "4 min ago", "2 h 5 min ago", "3 days ago". */
export function ageOf(t: string | Date, now: Date): string {
  const mins = Math.floor((now.getTime() - toDate(t).getTime()) / 60_000);
  if (mins < 1) return 'just now';
  if (mins < 60) return `${mins} min ago`;
  const hours = Math.floor(mins / 60);
  if (hours < 24) return mins % 60 ? `${hours} h ${mins % 60} min ago` : `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

/** Data age in words: "verified 3 days ago", "… 5 months ago", "… over a year ago (14 months)". */
export function dataAge(days: number | null): string {
  if (days === null) return 'Never verified by the publisher';
  if (days <= 0) return 'Verified today';
  if (days === 1) return 'Verified yesterday';
  if (days < 31) return `Verified ${days} days ago`;
  const months = Math.floor(days / 30.44);
  if (days < 365) return `Verified ${months} month${months === 1 ? '' : 's'} ago`;
  return `Verified over a year ago (${months} months)`;
}

/**
 * A London wall-clock moment as typed and shown: "22/11/2026 15:30" (day first, 24-hour clock).
 * A browser's own date-time input follows the machine's locale (and may show 03:15 PM); this does not.
 */
export function toLocalText(iso: string | null): string {
  if (!iso) return '';
  const m = londonMomentOf(new Date(iso));
  const [y, mo, d] = dateOfDayNumber(m.day).split('-');
  const hh = String(Math.floor(m.minute / 60)).padStart(2, '0');
  const mm = String(m.minute % 60).padStart(2, '0');
  return `${d}/${mo}/${y} ${hh}:${mm}`;
}

/** The instant "22/11/2026 15:30" (or 22-11-2026 15.30, 22/11/2026 9:05) names in London; null when it is not one. */
export function fromLocalText(text: string): string | null {
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})[\s,T]+(\d{1,2})[:.](\d{2})$/.exec(text.trim());
  if (!m) return null;
  const [d, mo, y, h, min] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (h > 23 || min > 59 || mo < 1 || mo > 12) return null;
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCDate() !== d || date.getUTCMonth() !== mo - 1) return null;
  const iso = `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return instantOfLondonWallClock(dayNumberOf(iso), h * 60 + min).toISOString();
}

/** Today's London date plus `days`, at hh:mm, as text for toLocalText's field. */
export function localTextAt(now: Date, days: number, hour: number, minute: number): string {
  const [y, mo, d] = dateOfDayNumber(dayNumberOf(londonDateOf(now)) + days).split('-');
  return `${d}/${mo}/${y} ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}
