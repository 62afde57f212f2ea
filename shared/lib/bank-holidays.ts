import govUkFeed from '../data/gov-uk-bank-holidays.json';
import { dateOfDayNumber, dayNumberOf } from './calendar';

/** The shape of https://www.gov.uk/bank-holidays.json. */
export interface GovUkBankHolidayFeed {
  'england-and-wales': { division: string; events: { title: string; date: string; notes: string }[] };
}

export interface BankHolidayCalendar {
  isBankHoliday(day: number): boolean;
  /** The name to show ("Boxing Day"), or null when the day is not a bank holiday. */
  nameOf(day: number): string | null;
  /** Last date the GOV.UK list covers; later years only know the fixed-date holidays. */
  coversUntil: string;
}

/**
 * Christmas Day, Boxing Day and New Year's Day are treated as bank holidays on their own dates even
 * when they fall at a weekend, as well as on the GOV.UK substitute weekday. GOV.UK lists only the
 * substitute (Monday 2026-12-28, not Saturday 2026-12-26), but a service that closes on bank
 * holidays is almost never open on Christmas Day: showing it open would send a caller to a locked
 * door (hazard H1), while showing it closed on one extra day costs a phone call to check.
 */
const FIXED_DATE_HOLIDAYS: Record<string, string> = {
  '12-25': 'Christmas Day',
  '12-26': 'Boxing Day',
  '01-01': 'New Year’s Day',
};

export function englandAndWalesCalendar(feed: GovUkBankHolidayFeed = govUkFeed): BankHolidayCalendar {
  const listed = new Map<number, string>();
  let last = '0000-00-00';
  for (const e of feed['england-and-wales'].events) {
    listed.set(dayNumberOf(e.date), e.notes ? `${e.title} (${e.notes.toLowerCase()})` : e.title);
    if (e.date > last) last = e.date;
  }
  // Searches ask about the same few days thousands of times: remember each answer.
  const known = new Map<number, string | null>();
  const nameOf = (day: number): string | null => {
    let name = known.get(day);
    if (name === undefined) {
      name = listed.get(day) ?? FIXED_DATE_HOLIDAYS[dateOfDayNumber(day).slice(5)] ?? null;
      known.set(day, name);
    }
    return name;
  };
  return { isBankHoliday: (day) => nameOf(day) !== null, nameOf, coversUntil: last };
}
