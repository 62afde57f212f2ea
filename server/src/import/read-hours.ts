import type { Session } from '../../../shared/domain/schedule';
import { weekdayOfDayNumber } from '../../../shared/lib/calendar';
import { plainTextOf } from './clean-text';
import type { RecordDefects } from './defects';
import type { FeedHolidaySchedule, FeedSchedule, FeedService } from './feed-model';
import { quote } from './json-values';
import { readDate, readTime } from './read-times';
import { readZoneField, zoneOfOffset } from './read-zone';

/*
 * A service's published hours, read but not yet resolved against today's date: weekly patterns
 * with the dates they are valid for, dated holiday hours, and the publisher's own words. Only what
 * can be shown exactly becomes a pattern; a schedule that cannot (monthly, every other week, odd
 * weeks only) is left out with a warning and its description kept in the note, so hours are never
 * shown as wider than published (hazard H1).
 */

/**
 * Weekly hours valid from `from` to `to` (day numbers, inclusive; null = open-ended), on the clock
 * of `zone`: null for London, else a zone luxon knows (converted to London time when resolved).
 */
export interface WeeklyPattern {
  days: number[];
  opens: string;
  closes: string;
  from: number | null;
  to: number | null;
  label: string;
  field: string;
  zone?: string | null;
}

export interface DatedHours {
  from: number;
  to: number;
  sessions: Session[];
  /** For reporting: "Holiday schedule H1" and its field. */
  label?: string;
  field?: string;
}

export interface PublishedHours {
  /** Whether the feed had any schedule records at all (structured or text). */
  published: boolean;
  patterns: WeeklyPattern[];
  holidays: DatedHours[];
  notes: string[];
  closedOnBankHolidays: boolean;
}

const DAY_CODES: Record<string, number> = { MO: 1, TU: 2, WE: 3, TH: 4, FR: 5, SA: 6, SU: 7 };
const DAY_NAMES: [RegExp, number][] = [
  [/^mon(day)?$/, 1], [/^tue(s|sday)?$/, 2], [/^wed(nesday)?$/, 3], [/^thu(r|rs|rsday)?$/, 4],
  [/^fri(day)?$/, 5], [/^sat(urday)?$/, 6], [/^sun(day)?$/, 7],
];

interface DaysReading {
  days: number[];
  unknown: string[];
  /** RRULE "1SA", "-1FR": a weekday in certain weeks of the month only. */
  ordinal: string[];
}

/**
 * byday ("MO,TU") or an HSDS 1.1 weekday ("Monday", 1). Numbers: 1–6 are Monday–Saturday both
 * where 0 is Sunday and where 7 is, so both 0 and 7 mean Sunday.
 */
export function readDays(raw: unknown): DaysReading {
  const out: DaysReading = { days: [], unknown: [], ordinal: [] };
  if (raw === undefined || raw === null) return out;
  const tokens = typeof raw === 'number' ? [String(raw)] : typeof raw === 'string' ? raw.split(/[\s,;]+/).filter(Boolean) : [quote(raw, 20)];
  for (const token of tokens) {
    const upper = token.toUpperCase();
    if (/^[+-]?\d{1,2}(MO|TU|WE|TH|FR|SA|SU)$/.test(upper)) {
      out.ordinal.push(token);
      continue;
    }
    let day: number | undefined = DAY_CODES[upper];
    if (day === undefined && /^\d$/.test(token)) day = Number(token) === 0 ? 7 : Number(token) <= 7 ? Number(token) : undefined;
    day ??= DAY_NAMES.find(([re]) => re.test(token.toLowerCase()))?.[1];
    if (day === undefined) out.unknown.push(token.slice(0, 20));
    else if (!out.days.includes(day)) out.days.push(day);
  }
  out.days.sort((a, b) => a - b);
  return out;
}

const BANK_HOLIDAY_CLOSED = [
  /\b(closed|not (be )?(open|available|running)|shut|no service)\b[^.]{0,60}\b(bank|public) holidays?\b/i,
  /\b(bank|public) holidays?\b[^.]{0,20}\b(closed|not open|not available|shut)\b/i,
];

export function saysClosedOnBankHolidays(text: string): boolean {
  return BANK_HOLIDAY_CLOSED.some((re) => re.test(text));
}

function textOf(raw: unknown): string | null {
  const t = plainTextOf(raw);
  return t ? t : null;
}

/** The schedules that describe the service's own hours: its own, or failing those, its sites'. */
function schedulesOfService(service: FeedService): FeedSchedule[] {
  const own = service.schedules.filter((s) => s.attachedTo === 'service');
  const chosen = own.length > 0 ? own : service.schedules.filter((s) => s.attachedTo === 'service_at_location');
  const seen = new Set<string>();
  return chosen.filter((s) => {
    const { attachedTo: _attachedTo, ...content } = s;
    const key = JSON.stringify(content);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The clock a schedule's times are on (see read-zone.ts): the offset the times state, else the
 * schedule's `timezone`. undefined when the schedule cannot be placed in time (reported).
 */
function clockOf(s: FeedSchedule, offsets: (number | null)[], field: string, label: string, d: RecordDefects): string | null | undefined {
  const stated = offsets.filter((o): o is number => o !== null);
  if (stated.length === 2 && stated[0] !== stated[1]) {
    d.warn(field, `${label} opens and closes on different clocks (UTC offsets ${stated.map((o) => `${o / 60} h`).join(' and ')}); when it is open is unknown, so it was left out.`);
    return undefined;
  }
  const zone = stated.length > 0 ? zoneOfOffset(stated[0]!) : readZoneField(s.timezone);
  if (!zone || zone.kind === 'london') return null;
  switch (zone.kind) {
    case 'london-assumed':
      d.warn(field, `${label} gives its times in ${zone.stated}, the way UK feeds write London hours; read as London time (the same hours all year). If the service really keeps ${zone.stated}, correct the feed.`);
      return null;
    case 'other':
      d.repair(field, `${label} gives its times in ${zone.stated}; converted to London time day by day, so they move when either clock changes.`);
      return zone.zone;
    case 'unknown':
      d.warn(field, `${label} gives its times in ${quote(zone.stated)}, which is not a time zone or UTC offset; when it is open is unknown, so it was left out.`);
      return undefined;
  }
}

/** Opening and closing time of a weekly schedule (00:00–00:00 is the whole day) and the clock they are on. */
function readSession(s: FeedSchedule, field: string, label: string, d: RecordDefects): (Session & { zone: string | null }) | null {
  const times: string[] = [];
  const offsets: (number | null)[] = [];
  for (const [name, raw, role] of [['opening time', s.opensAt, 'opens'], ['closing time', s.closesAt, 'closes']] as const) {
    const t = readTime(raw, role);
    if ('error' in t) {
      d.warn(field, `${label}: ${name} ${t.error}; left out.`);
      return null;
    }
    if (t.repaired) d.repair(field, `${label}: ${t.repaired}.`);
    times.push(t.time);
    offsets.push(t.offset);
  }
  const zone = clockOf(s, offsets, field, label, d);
  if (zone === undefined) return null;
  const [opens, closes] = times as [string, string];
  if (opens !== closes && !(opens === '00:00' && closes === '24:00')) return { opens, closes, zone };
  if (opens !== '00:00') {
    d.warn(field, `${label} opens and closes at the same time (${opens}); left out.`);
    return null;
  }
  return { opens: '00:00', closes: '24:00', zone };
}

function readPattern(s: FeedSchedule, field: string, label: string, d: RecordDefects): WeeklyPattern | null {
  const hasDays = s.byday !== undefined || s.weekday !== undefined;
  if (s.opensAt === undefined && s.closesAt === undefined) {
    if (hasDays || s.freq !== undefined) d.warn(field, `${label} gives days but no opening and closing times; left out.`);
    return null;
  }
  const freq = typeof s.freq === 'string' ? s.freq.trim().toUpperCase() : s.freq === undefined ? '' : quote(s.freq);
  if (freq !== '' && freq !== 'WEEKLY' && freq !== 'DAILY') {
    d.warn(field, `${label} repeats ${freq.toLowerCase()}; only weekly and daily hours can be shown, so it was left out (its description is kept in the note).`);
    return null;
  }
  if (s.interval !== undefined && Number(s.interval) !== 1) {
    d.warn(field, `${label} repeats at an interval of ${quote(s.interval)}; only every-week hours can be shown, so it was left out.`);
    return null;
  }
  const limits = (['byweekno', 'bymonthday', 'byyearday'] as const).filter((k) => s[k] !== undefined);
  if (limits.length > 0) {
    d.warn(field, `${label} is limited to certain weeks or days (${limits.join(', ')}), which cannot be shown exactly; left out.`);
    return null;
  }

  const reading = readDays(s.byday ?? s.weekday);
  if (reading.ordinal.length > 0) {
    d.warn(field, `${label} runs only on certain weeks of the month (${reading.ordinal.join(', ')}); left out.`);
    return null;
  }
  if (reading.unknown.length > 0) d.warn(field, `${label}: ${reading.unknown.map((u) => `“${u}”`).join(', ')} is not a day of the week; ignored.`);

  const start = readDate(s.dtstart);
  let days = reading.days;
  if (days.length === 0 && reading.unknown.length === 0) {
    if (freq === 'DAILY') days = [1, 2, 3, 4, 5, 6, 7];
    else if (typeof start === 'number') days = [weekdayOfDayNumber(start)];
  }
  if (days.length === 0) {
    d.warn(field, `${label} does not say which days it applies to; left out.`);
    return null;
  }

  const session = readSession(s, field, label, d);
  if (!session) return null;

  const bounds: Record<string, number | undefined> = {};
  for (const [name, raw] of [['valid_from', s.validFrom], ['valid_to', s.validTo], ['dtstart', s.dtstart], ['until', s.until]] as const) {
    const day = readDate(raw);
    if (day === 'invalid') {
      d.warn(field, `${label}: ${name} ${quote(raw)} is not a date, so when these hours apply is unknown; left out.`);
      return null;
    }
    bounds[name] = day;
  }
  const starts = [bounds.valid_from, bounds.dtstart].filter((v): v is number => typeof v === 'number');
  const ends = [bounds.valid_to, bounds.until].filter((v): v is number => typeof v === 'number');
  const from = starts.length ? Math.max(...starts) : null;
  if (s.count !== undefined) {
    const count = Number(s.count);
    if (!Number.isInteger(count) || count < 1 || from === null) {
      d.warn(field, `${label} is limited to ${quote(s.count)} occurrences without a usable start date; left out.`);
      return null;
    }
    // At least one occurrence a week, so `count` occurrences end within this many weeks.
    ends.push(from + Math.ceil(count / days.length) * 7 - 1);
  }
  const to = ends.length ? Math.min(...ends) : null;
  if (from !== null && to !== null && to < from) {
    d.warn(field, `${label} ends before it starts; left out.`);
    return null;
  }
  return { days, ...session, from, to, label, field };
}

function readBoolean(raw: unknown): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'number') return raw !== 0;
  if (typeof raw !== 'string') return undefined;
  const s = raw.trim().toLowerCase();
  if (['true', 'yes', 'y', '1', 'closed'].includes(s)) return true;
  if (['false', 'no', 'n', '0', 'open'].includes(s)) return false;
  return undefined;
}

function readHoliday(h: FeedHolidaySchedule, field: string, d: RecordDefects): DatedHours | null {
  const label = typeof h.id === 'string' || typeof h.id === 'number' ? `Holiday schedule ${h.id}` : 'A holiday schedule';
  const from = readDate(h.startDate);
  const end = readDate(h.endDate);
  if (typeof from !== 'number') {
    d.warn(field, `${label} has no readable start_date; left out.`);
    return null;
  }
  if (end === 'invalid') {
    d.warn(field, `${label}: end_date ${quote(h.endDate)} is not a date; left out.`);
    return null;
  }
  const to = end ?? from;
  if (to < from) {
    d.warn(field, `${label} ends before it starts; left out.`);
    return null;
  }
  const closed = readBoolean(h.closed);
  if (closed === true) return { from, to, sessions: [], label, field };
  const opens = readTime(h.opensAt, 'opens');
  const closes = readTime(h.closesAt, 'closes');
  if ('error' in opens || 'error' in closes) {
    // Unknown special hours on a holiday: showing the service closed is the safe reading.
    d.repair(field, `${label} gives no usable hours${closed === false ? ' although it is marked open' : ''}; treated as closed on those dates.`);
    return { from, to, sessions: [], label, field };
  }
  for (const t of [opens, closes]) if (t.repaired) d.repair(field, `${label}: ${t.repaired}.`);
  const offset = opens.offset ?? closes.offset;
  if (offset !== null) {
    const zone = zoneOfOffset(offset);
    if (zone.kind !== 'london') {
      // Dated special hours are few and short: their times are read as London times, and said so.
      d.warn(field, `${label} gives its times in ${zone.stated}; read as London time on those dates. If the service keeps another clock, correct the feed.`);
    }
  }
  return { from, to, sessions: [{ opens: opens.time, closes: closes.time }], label, field };
}

export function readHours(service: FeedService, d: RecordDefects): PublishedHours {
  const schedules = schedulesOfService(service);
  const notes: string[] = [];
  let closedOnBankHolidays = false;
  const patterns: WeeklyPattern[] = [];
  schedules.forEach((s, i) => {
    const field = `schedules[${i}]`;
    const label = typeof s.id === 'string' || typeof s.id === 'number' ? `Schedule ${s.id}` : `Schedule ${i + 1}`;
    for (const raw of [s.description, s.notes, s.attendingType]) {
      const t = textOf(raw);
      if (t && !notes.includes(t)) notes.push(t);
      if (t && saysClosedOnBankHolidays(t)) closedOnBankHolidays = true;
    }
    const p = readPattern(s, field, label, d);
    if (p) patterns.push(p);
  });
  const holidays = service.holidaySchedules.flatMap((h, i) => readHoliday(h, `holiday_schedules[${i}]`, d) ?? []);
  return { published: schedules.length > 0 || service.holidaySchedules.length > 0, patterns, holidays, notes, closedOnBankHolidays };
}
