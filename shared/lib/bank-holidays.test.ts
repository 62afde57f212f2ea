import { describe, expect, it } from 'vitest';
import { englandAndWalesCalendar, type GovUkBankHolidayFeed } from './bank-holidays';
import { dayNumberOf } from './calendar';

const cal = englandAndWalesCalendar();
const isBH = (date: string) => cal.isBankHoliday(dayNumberOf(date));
const nameOf = (date: string) => cal.nameOf(dayNumberOf(date));

describe('England and Wales bank holidays (GOV.UK list plus Christmas, Boxing Day and New Year on their own dates)', () => {
  it('covers the GOV.UK list until 2027-12-28', () => {
    expect(cal.coversUntil).toBe('2027-12-28');
  });

  it('Christmas 2026: Fri 25, Sat 26 (own date) and Mon 28 (GOV.UK substitute) are bank holidays; Sun 27 is not', () => {
    expect(nameOf('2026-12-25')).toBe('Christmas Day');
    expect(nameOf('2026-12-26')).toBe('Boxing Day');
    expect(nameOf('2026-12-28')).toBe('Boxing Day (substitute day)');
    expect(isBH('2026-12-27')).toBe(false);
    expect(nameOf('2026-12-27')).toBeNull();
    expect(isBH('2026-12-24')).toBe(false);
    expect(isBH('2026-12-29')).toBe(false);
  });

  it('Christmas 2027: Sat 25 and Sun 26 on their own dates, Mon 27 and Tue 28 as substitutes', () => {
    expect(nameOf('2027-12-25')).toBe('Christmas Day');
    expect(nameOf('2027-12-26')).toBe('Boxing Day');
    expect(nameOf('2027-12-27')).toBe('Christmas Day (substitute day)');
    expect(nameOf('2027-12-28')).toBe('Boxing Day (substitute day)');
    for (const d of ['2027-12-25', '2027-12-26', '2027-12-27', '2027-12-28']) expect(isBH(d), d).toBe(true);
    expect(isBH('2027-12-24')).toBe(false);
    expect(isBH('2027-12-29')).toBe(false);
  });

  it('New Year’s Day', () => {
    expect(nameOf('2026-01-01')).toBe('New Year’s Day');
    expect(nameOf('2027-01-01')).toBe('New Year’s Day');
    expect(isBH('2026-01-02')).toBe(false);
  });

  it('Easter 2026 and 2027: Good Friday and Easter Monday, not the weekend between', () => {
    expect(nameOf('2026-04-03')).toBe('Good Friday');
    expect(nameOf('2026-04-06')).toBe('Easter Monday');
    expect(isBH('2026-04-04')).toBe(false);
    expect(isBH('2026-04-05')).toBe(false);
    expect(nameOf('2027-03-26')).toBe('Good Friday');
    expect(nameOf('2027-03-29')).toBe('Easter Monday');
    expect(isBH('2027-03-28')).toBe(false);
  });

  it('the May and summer bank holidays', () => {
    expect(nameOf('2026-05-04')).toBe('Early May bank holiday');
    expect(nameOf('2026-05-25')).toBe('Spring bank holiday');
    expect(nameOf('2026-08-31')).toBe('Summer bank holiday');
    expect(nameOf('2027-05-03')).toBe('Early May bank holiday');
    expect(nameOf('2027-05-31')).toBe('Spring bank holiday');
    expect(nameOf('2027-08-30')).toBe('Summer bank holiday');
    // The Monday a week before the summer bank holiday is an ordinary day.
    expect(isBH('2026-08-24')).toBe(false);
    expect(isBH('2027-08-23')).toBe(false);
  });

  it('has exactly the expected number of bank-holiday days in 2026 and 2027', () => {
    const count = (year: number) => {
      let n = 0;
      for (let d = dayNumberOf(`${year}-01-01`); d <= dayNumberOf(`${year}-12-31`); d++) if (cal.isBankHoliday(d)) n++;
      return n;
    };
    expect(count(2026)).toBe(9); // GOV.UK's 8 plus Saturday Boxing Day
    expect(count(2027)).toBe(10); // GOV.UK's 8 plus Christmas Day and Boxing Day at the weekend
  });

  it('knows only the fixed-date holidays beyond the list', () => {
    expect(nameOf('2028-12-25')).toBe('Christmas Day');
    expect(nameOf('2028-01-01')).toBe('New Year’s Day');
    expect(isBH('2028-04-14')).toBe(false); // Good Friday 2028 is not in the feed
  });

  it('reads another feed: notes become part of the name and coversUntil is its last date', () => {
    const feed: GovUkBankHolidayFeed = {
      'england-and-wales': {
        division: 'england-and-wales',
        events: [
          { title: 'Extra bank holiday', date: '2030-06-03', notes: 'Coronation' },
          { title: 'Early May bank holiday', date: '2030-05-06', notes: '' },
        ],
      },
    };
    const other = englandAndWalesCalendar(feed);
    expect(other.coversUntil).toBe('2030-06-03');
    expect(other.nameOf(dayNumberOf('2030-06-03'))).toBe('Extra bank holiday (coronation)');
    expect(other.nameOf(dayNumberOf('2030-05-06'))).toBe('Early May bank holiday');
    expect(other.isBankHoliday(dayNumberOf('2026-04-03'))).toBe(false);
    expect(other.isBankHoliday(dayNumberOf('2026-12-26'))).toBe(true);
  });
});
