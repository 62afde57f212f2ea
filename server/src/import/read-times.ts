import { dateOfDayNumber, dayNumberOf, londonDateOf } from '../../../shared/lib/calendar';

/**
 * A time of day read from a feed: 'HH:MM' as written, with a note when it had to be reinterpreted,
 * and the offset from UTC it states ("09:00Z", "09:00-05:00"), in minutes; null when it states none.
 * Which clock the time is on is decided for the whole schedule (read-zone.ts).
 */
export type TimeReading = { time: string; repaired: string | null; offset: number | null } | { error: string };

const pad = (n: number) => String(n).padStart(2, '0');

function clock(h: number, m: number, role: 'opens' | 'closes', shown: string, repaired: string | null, offset: number | null = null): TimeReading {
  if (role === 'closes' && h === 23 && m === 59) return { time: '24:00', repaired, offset };
  if (h === 24 && m === 0 && role === 'closes') return { time: '24:00', repaired, offset };
  if (!(h >= 0 && h <= 23 && m >= 0 && m <= 59)) return { error: `“${shown}” is not a time of day` };
  return { time: `${pad(h)}:${pad(m)}`, repaired, offset };
}

/** "z" → 0, "+01:00" / "-0500" → minutes east of UTC. */
function offsetMinutes(suffix: string): number {
  if (suffix === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(suffix)!;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/**
 * Reads opens_at / closes_at. ISO times ("09:00", "09:00:00", "09:00:00Z", "09:00-05:00") are read
 * as written, with the offset they state; forms people type ("9am", "5.30pm", "0900", "noon") are
 * read and reported as repaired; anything else ("25:00", "late") is an error. "23:59" as a closing
 * time means the end of the day.
 */
export function readTime(raw: unknown, role: 'opens' | 'closes'): TimeReading {
  if (typeof raw !== 'string' && typeof raw !== 'number') return { error: 'no time given' };
  const shown = String(raw).trim();
  const s = shown.toLowerCase();
  let m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (m) return clock(Number(m[1]), Number(m[2]), role, shown, null, m[4] ? offsetMinutes(m[4]) : null);
  m = /^(\d{1,2})(?:[.:](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)$/.exec(s);
  if (m) {
    let h = Number(m[1]);
    const min = Number(m[2] ?? 0);
    if (h < 1 || h > 12) return { error: `“${shown}” is not a time of day` };
    const pm = m[3]!.startsWith('p');
    if (h === 12) h = pm ? 12 : 0;
    else if (pm) h += 12;
    const result = clock(h, min, role, shown, null);
    return 'time' in result ? { ...result, repaired: `“${shown}” read as ${result.time}` } : result;
  }
  m = /^(\d{2})(\d{2})$/.exec(s);
  if (m) {
    const result = clock(Number(m[1]), Number(m[2]), role, shown, null);
    return 'time' in result ? { ...result, repaired: `“${shown}” read as ${result.time}` } : result;
  }
  if (s === 'noon' || s === 'midday') return { time: '12:00', repaired: `“${shown}” read as 12:00`, offset: null };
  if (s === 'midnight') {
    const time = role === 'opens' ? '00:00' : '24:00';
    return { time, repaired: `“${shown}” read as ${time}`, offset: null };
  }
  return { error: `“${shown.slice(0, 40)}” is not a time of day` };
}

/** A calendar date as a day number (see shared/lib/calendar), or 'invalid'; undefined when absent. */
export function readDate(raw: unknown): number | 'invalid' | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') return 'invalid';
  const s = raw.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) return validDay(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}/.exec(s);
  if (m) {
    const ms = Date.parse(s);
    if (!Number.isFinite(ms)) return validDay(Number(m[1]), Number(m[2]), Number(m[3]));
    return dayNumberOf(londonDateOf(ms));
  }
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (m) return validDay(Number(m[3]), Number(m[2]), Number(m[1]));
  // iCalendar / RRULE dates: 20260401, 20260401T090000Z.
  m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(s);
  if (m) {
    if (m[7] === 'Z') return readDate(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
    return validDay(Number(m[1]), Number(m[2]), Number(m[3]));
  }
  return 'invalid';
}

function validDay(y: number, mo: number, d: number): number | 'invalid' {
  if (y < 1900 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31) return 'invalid';
  const text = `${y}-${pad(mo)}-${pad(d)}`;
  const day = dayNumberOf(text);
  return dateOfDayNumber(day) === text ? day : 'invalid';
}
