import { DateTime, Info } from 'luxon';
import { dateOfDayNumber, dayNumberOf, instantOfLondonWallClock, londonMomentOf, weekdayOfDayNumber } from '../../../shared/lib/calendar';
import { dayTimeLabel, timeHM } from '../lib/time';

/*
 * The directory's "open at" time as a clinician types it: "tonight 02:00", "Sat 10:00",
 * "tomorrow 9am", "25/12 14:00", "in 2 hours", or a time alone (its next occurrence). Words and
 * numbers are read with luxon; the instant is made from the London wall clock with the calendar
 * the opening hours use (shared/lib/calendar.ts), whatever the desk's own time zone, so a time in
 * the hour skipped when the clocks go forward is the moment they jump, and a time in the hour
 * repeated when they go back is its first occurrence, exactly as the services' hours are read.
 */

export type OpenAtReading =
  | { kind: 'now' }
  | {
      kind: 'at';
      /** The instant, for directory.search's openAt. */
      iso: string;
      /** "Sat 28 Nov 10:00" (London). */
      label: string;
      /** The clocks change that night, or the time has passed; null when there is nothing to add. */
      note: string | null;
    }
  | { kind: 'invalid'; message: string };

export const OPEN_AT_EXAMPLES = ['tonight 02:00', 'tomorrow 09:00', 'Sat 10:00', 'Sun 14:00', 'in 2 hours'] as const;

const HINT = 'Try “tonight 02:00”, “Sat 10:00”, “tomorrow 9am” or “25/12 14:00”.';
const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;
/** Opening hours further ahead than this are guesses (schedules change; bank holidays run out). */
const HORIZON_DAYS = 366;
const MORNING_ENDS = 6 * 60;
const NOON = 12 * 60;

type DayWord = { kind: 'today' | 'tonight' | 'tomorrow' } | { kind: 'weekday'; weekday: number; next: boolean } | { kind: 'date'; day: number; yearGiven: boolean };

const WEEKDAYS = Info.weekdays('long', { locale: 'en-GB' }).map((w) => w.toLowerCase());
const MONTHS = Info.months('short', { locale: 'en-GB' }).map((m) => m.toLowerCase().slice(0, 3));
const MONTH_WORD = `(${MONTHS.join('|')})[a-z]*`;
const TIME_FORMATS = ['H:mm', 'H.mm', 'h:mma', 'h.mma', 'ha', 'H', 'HHmm', 'Hmm'];
const DATE_FORMATS = ['d/M/yyyy', 'd/M/yy', 'd/M'];

/** A weekday from its name or an unambiguous start of it ("sat", "thurs", "tu"), or "weds"; 1 = Monday. */
function weekdayOf(word: string): number | null {
  if (word === 'weds') return 3;
  if (word.length < 2) return null;
  const matches = WEEKDAYS.flatMap((w, i) => (w.startsWith(word) ? [i + 1] : []));
  return matches.length === 1 ? matches[0]! : null;
}

/** Minutes after midnight of a time word ("02:00", "2am", "14.30", "0930", "9"); 1440 for midnight. */
function minuteOf(word: string): number | null {
  if (word === 'midnight') return DAY_MINUTES;
  if (word === 'noon' || word === 'midday') return NOON;
  if (word === '24:00') return DAY_MINUTES;
  const shape = /^(\d{1,4})([:.]\d{2})?(am|pm)?$/.exec(word);
  if (!shape) return null;
  // luxon reads "13pm" as 01:00 (13 o'clock, then pm); a 12-hour time has hours 1 to 12.
  if (shape[3] && (Number(shape[1]) < 1 || Number(shape[1]) > 12)) return null;
  for (const format of TIME_FORMATS) {
    const t = DateTime.fromFormat(word, format, { locale: 'en-GB', zone: 'UTC' });
    if (t.isValid) return t.hour * 60 + t.minute;
  }
  return null;
}

/** A calendar date typed as 25/12, 25-12-2026 or 25 Dec (months as words are joined first). */
function dateOf(word: string, today: number): { day: number; yearGiven: boolean } | null {
  if (!/^\d{1,2}\/\d{1,2}(\/\d{2}|\/\d{4})?$/.test(word)) return null;
  for (const format of DATE_FORMATS) {
    const d = DateTime.fromFormat(word, format, { locale: 'en-GB', zone: 'UTC' });
    if (!d.isValid) continue;
    const yearGiven = format !== 'd/M';
    // Without a year: this year's date, or next year's once it has passed.
    const year = yearGiven ? d.year : Number(dateOfDayNumber(today).slice(0, 4));
    let day = dayOfYmd(year, d.month, d.day);
    if (!yearGiven && day !== null && day < today) day = dayOfYmd(year + 1, d.month, d.day);
    return day === null ? null : { day, yearGiven };
  }
  return null;
}

function dayOfYmd(y: number, m: number, d: number): number | null {
  const date = DateTime.fromObject({ year: y, month: m, day: d }, { zone: 'UTC' });
  return date.isValid ? dayNumberOf(date.toISODate()!) : null;
}

/** "in 2 hours", "in 90 min", "in 1 h 30 min". */
function relativeMinutes(text: string): number | null {
  const m = /^in (\d{1,3}) ?(h|hr|hrs|hour|hours|m|min|mins|minute|minutes)(?: (?:and )?(\d{1,2}) ?(m|min|mins|minute|minutes))?$/.exec(text);
  if (!m) return null;
  const first = Number(m[1]) * (m[2]!.startsWith('h') ? 60 : 1);
  return first + (m[3] ? Number(m[3]) : 0);
}

/** Lower case, commas and "at/on/this" dropped, "2 pm" → "2pm", "25 Dec" → "25/12", "-" and "." in dates → "/". */
function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[,]+/g, ' ')
    .replace(/\b(\d{1,2})(?:st|nd|rd|th)?\s+of\s+/g, '$1 ')
    .replace(new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)? ?${MONTH_WORD}(?: (\\d{4}))?\\b`, 'g'), (_, d: string, mon: string, y?: string) => `${d}/${MONTHS.indexOf(mon) + 1}${y ? `/${y}` : ''}`)
    .replace(new RegExp(`\\b${MONTH_WORD} (\\d{1,2})(?:st|nd|rd|th)?(?: (\\d{4}))?\\b`, 'g'), (_, mon: string, d: string, y?: string) => `${d}/${MONTHS.indexOf(mon) + 1}${y ? `/${y}` : ''}`)
    .replace(/\b(\d{1,2})-(\d{1,2})(?:-(\d{2,4}))?\b/g, (_, d: string, m: string, y?: string) => `${d}/${m}${y ? `/${y}` : ''}`)
    .replace(/(\d)\s+(am|pm)\b/g, '$1$2')
    .replace(/\b(at|on|this|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Reads what was typed into the "open at" field, as of `now`. */
export function readOpenAt(typed: string, now: Date): OpenAtReading {
  const text = normalise(typed);
  if (text === '' || text === 'now' || text === 'right now') return { kind: 'now' };

  const relative = relativeMinutes(text);
  if (relative !== null) {
    if (relative === 0) return { kind: 'now' };
    if (relative > HORIZON_DAYS * DAY_MINUTES) return { kind: 'invalid', message: 'Choose a time within the next year.' };
    const instant = new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS + relative * MINUTE_MS);
    return { kind: 'at', iso: instant.toISOString(), label: dayTimeLabel(instant), note: null };
  }

  const { day: today, minute: nowMinute } = londonMomentOf(now);
  let dayWord: DayWord | null = null;
  let minute: number | null = null;
  let next = false;
  for (const word of text.split(' ')) {
    let found: DayWord | null = null;
    if (word === 'next') {
      next = true;
      continue;
    }
    if (word === 'today') found = { kind: 'today' };
    else if (word === 'tonight' || word === 'tonite') found = { kind: 'tonight' };
    else if (word === 'tomorrow' || word === 'tmrw' || word === 'tmw') found = { kind: 'tomorrow' };
    else {
      const weekday = weekdayOf(word);
      if (weekday !== null) found = { kind: 'weekday', weekday, next: false };
      else {
        const date = dateOf(word, today);
        if (date) found = { kind: 'date', ...date };
      }
    }
    if (found) {
      if (dayWord) return { kind: 'invalid', message: `Give one day only. ${HINT}` };
      dayWord = found;
      continue;
    }
    const m = minuteOf(word);
    if (m !== null) {
      if (minute !== null) return { kind: 'invalid', message: `Give one time only. ${HINT}` };
      minute = m;
      continue;
    }
    if (/^\d{1,2}\/\d{1,2}/.test(word)) return { kind: 'invalid', message: `${word} is not a date. ${HINT}` };
    if (/^\d/.test(word)) return { kind: 'invalid', message: `${word} is not a time of day. ${HINT}` };
    return { kind: 'invalid', message: `“${word}” is not understood. ${HINT}` };
  }
  if (next && dayWord?.kind === 'weekday') dayWord = { ...dayWord, next: true };
  else if (next) return { kind: 'invalid', message: `“next” goes with a day: “next Sat 10:00”. ${HINT}` };
  if (minute === null) return { kind: 'invalid', message: `Add a time of day, such as ${dayWord ? '“10:00”' : '“Sat 10:00”'}. ${HINT}` };

  const passed = (day: number) => instantOfLondonWallClock(day, minute!).getTime() < now.getTime() - MINUTE_MS;
  let day: number;
  switch (dayWord?.kind) {
    case undefined:
      // A time alone: its next occurrence ("02:00" at 23:00 is tomorrow's).
      day = passed(today) ? today + 1 : today;
      break;
    case 'today':
      day = today;
      break;
    case 'tomorrow':
      day = today + 1;
      break;
    case 'tonight': {
      // The night ahead; or, in its small hours, the night still going on. Its morning hours
      // belong to the next date; one already over means the following night.
      const evening = nowMinute < MORNING_ENDS ? today - 1 : today;
      day = minute < NOON ? evening + 1 : evening;
      if (passed(day)) day += 1;
      break;
    }
    case 'weekday': {
      day = today + ((dayWord.weekday - weekdayOfDayNumber(today) + 7) % 7);
      if (dayWord.next && day === today) day += 7;
      if (passed(day)) day += 7;
      break;
    }
    case 'date':
      day = dayWord.day;
      break;
  }
  if (day - today > HORIZON_DAYS) return { kind: 'invalid', message: 'Choose a time within the next year.' };
  if (today - day > HORIZON_DAYS) return { kind: 'invalid', message: 'Choose a time within the last year or the next.' };

  const instant = instantOfLondonWallClock(day, minute);
  return { kind: 'at', iso: instant.toISOString(), label: dayTimeLabel(instant), note: noteOn(instant, day, minute, now) };
}

/** What the clinician should know about the instant: a clock change that night, or that it has passed. */
function noteOn(instant: Date, day: number, minute: number, now: Date): string | null {
  const wallDay = day + Math.floor(minute / DAY_MINUTES);
  const wallMinute = minute % DAY_MINUTES;
  const asked = `${String(Math.floor(wallMinute / 60)).padStart(2, '0')}:${String(wallMinute % 60).padStart(2, '0')}`;
  const shown = londonMomentOf(instant);
  if (shown.day !== wallDay || shown.minute !== wallMinute) {
    return `The clocks go forward that night, so ${asked} never shows: judged at ${timeHM(instant)} British Summer Time, when they jump.`;
  }
  const anHourLater = londonMomentOf(instant.getTime() + 60 * MINUTE_MS);
  if (anHourLater.day === wallDay && anHourLater.minute === wallMinute) {
    return `The clocks go back that night, so ${asked} happens twice: judged at the first, in British Summer Time.`;
  }
  if (instant.getTime() < now.getTime() - MINUTE_MS) return 'That time has passed: results show what was open then.';
  return null;
}
