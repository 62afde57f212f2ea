import { DateTime } from 'luxon';

/** Opening hours and "today" are always judged in England's civil time zone. */
export const LONDON_ZONE = 'Europe/London';

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a 'YYYY-MM-DD' calendar date (no time zone involved). */
export function dayNumberOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Math.round(Date.UTC(y, m - 1, d) / MS_PER_DAY);
}

export function dateOfDayNumber(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
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
  const t = DateTime.fromMillis(typeof instant === 'number' ? instant : instant.getTime(), { zone: LONDON_ZONE });
  const day = Math.round(Date.UTC(t.year, t.month - 1, t.day) / MS_PER_DAY);
  return { day, weekday: t.weekday, minute: t.hour * 60 + t.minute };
}

/**
 * The instant at which London's clocks show `minute` minutes after midnight on `day` (minute may
 * exceed a day). A time skipped by the spring change resolves to the moment clocks jump forward.
 */
export function instantOfLondonWallClock(day: number, minute: number): Date {
  const wholeDays = Math.floor(minute / 1440);
  const date = dateOfDayNumber(day + wholeDays);
  const rest = minute - wholeDays * 1440;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = DateTime.fromObject({ year: y, month: m, day: d, hour: Math.floor(rest / 60), minute: rest % 60 }, { zone: LONDON_ZONE });
  return t.toJSDate();
}

/** Today's date in London as 'YYYY-MM-DD'. */
export function londonDateOf(instant: Date | number): string {
  return dateOfDayNumber(londonMomentOf(instant).day);
}
