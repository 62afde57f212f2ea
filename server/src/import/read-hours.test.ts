import { describe, expect, it } from 'vitest';
import { dayNumberOf } from '../../../shared/lib/calendar';
import { RecordDefects } from './defects';
import type { FeedSchedule, FeedService } from './feed-model';
import { readDays, readHours, saysClosedOnBankHolidays } from './read-hours';
import { readDate, readTime } from './read-times';

function schedule(s: Partial<FeedSchedule>): FeedSchedule {
  return {
    attachedTo: 'service', id: 'S1', freq: undefined, interval: undefined, byday: undefined, weekday: undefined, opensAt: undefined, closesAt: undefined,
    validFrom: undefined, validTo: undefined, dtstart: undefined, timezone: undefined, until: undefined, count: undefined, byweekno: undefined, bymonthday: undefined,
    byyearday: undefined, description: undefined, notes: undefined, attendingType: undefined, ...s,
  };
}

function read(schedules: FeedSchedule[], holidaySchedules: FeedService['holidaySchedules'] = []) {
  const d = new RecordDefects();
  const hours = readHours({ schedules, holidaySchedules } as FeedService, d);
  return { hours, defects: d.list.map((x) => `${x.severity}: ${x.reason}`) };
}

describe('readTime', () => {
  it.each([
    ['09:00', 'opens', '09:00', null, null],
    ['9:30:00', 'opens', '09:30', null, null],
    ['09:00:00Z', 'opens', '09:00', null, 0],
    ['17:00:00+00:00', 'closes', '17:00', null, 0],
    ['24:00', 'closes', '24:00', null, null],
    ['23:59', 'closes', '24:00', null, null],
    ['9am', 'opens', '09:00', '“9am” read as 09:00', null],
    ['5.30pm', 'closes', '17:30', '“5.30pm” read as 17:30', null],
    ['12am', 'opens', '00:00', '“12am” read as 00:00', null],
    ['0900', 'opens', '09:00', '“0900” read as 09:00', null],
    ['noon', 'closes', '12:00', '“noon” read as 12:00', null],
    ['midnight', 'closes', '24:00', '“midnight” read as 24:00', null],
    ['10:00+01:00', 'opens', '10:00', null, 60],
    ['09:00-05:00', 'opens', '09:00', null, -300],
    ['09:00:00-0430', 'opens', '09:00', null, -270],
  ] as const)('%s as %s time → %s', (raw, role, time, repaired, offset) => {
    expect(readTime(raw, role)).toEqual({ time, repaired, offset });
  });

  it.each([['25:00'], ['24:00'], ['13pm'], ['late'], ['9:75'], ['']])('%s is not an opening time', (raw) => {
    expect(readTime(raw, 'opens')).toHaveProperty('error');
  });

  it('reads no time from values that are not text', () => {
    expect(readTime(undefined, 'opens')).toEqual({ error: 'no time given' });
    expect(readTime({ h: 9 }, 'opens')).toEqual({ error: 'no time given' });
  });
});

describe('readDate', () => {
  it('reads ISO dates, date-times (as the London date) and UK dates, and refuses impossible ones', () => {
    expect(readDate('2026-03-01')).toBe(dayNumberOf('2026-03-01'));
    expect(readDate('2026-06-30T23:30:00Z')).toBe(dayNumberOf('2026-07-01'));
    expect(readDate('25/12/2026')).toBe(dayNumberOf('2026-12-25'));
    expect(readDate('2026-02-30')).toBe('invalid');
    expect(readDate('soon')).toBe('invalid');
    expect(readDate(20260101)).toBe('invalid');
    expect(readDate('20260401')).toBe(dayNumberOf('2026-04-01'));
    expect(readDate('20260630T233000Z')).toBe(dayNumberOf('2026-07-01'));
    expect(readDate(undefined)).toBeUndefined();
  });
});

describe('readDays', () => {
  it('reads RRULE codes, names and HSDS 1.1 numbers, where 0 and 7 are both Sunday', () => {
    expect(readDays('MO,TU, we')).toEqual({ days: [1, 2, 3], unknown: [], ordinal: [] });
    expect(readDays('Monday Thursday sat')).toEqual({ days: [1, 4, 6], unknown: [], ordinal: [] });
    expect(readDays(0)).toEqual({ days: [7], unknown: [], ordinal: [] });
    expect(readDays('7')).toEqual({ days: [7], unknown: [], ordinal: [] });
    expect(readDays('MO,Funday,9')).toEqual({ days: [1], unknown: ['Funday', '9'], ordinal: [] });
    expect(readDays('1SA,-1FR')).toEqual({ days: [], unknown: [], ordinal: ['1SA', '-1FR'] });
  });
});

describe('saysClosedOnBankHolidays', () => {
  it.each([
    ['The service is not available on public holidays.', true],
    ['Closed on bank holidays', true],
    ['Bank holidays: closed', true],
    ['Open every day including bank holidays', false],
    ['Monday to Friday', false],
  ])('%s → %s', (text, closed) => {
    expect(saysClosedOnBankHolidays(text)).toBe(closed);
  });
});

describe('readHours', () => {
  it('reads a weekly schedule with its validity dates', () => {
    const { hours, defects } = read([schedule({ freq: 'WEEKLY', byday: 'MO,TU', opensAt: '09:00', closesAt: '17:00', validFrom: '2026-01-01', validTo: '2026-12-31', description: 'Weekdays' })]);
    expect(hours.patterns).toEqual([{ days: [1, 2], opens: '09:00', closes: '17:00', zone: null, from: dayNumberOf('2026-01-01'), to: dayNumberOf('2026-12-31'), label: 'Schedule S1', field: 'schedules[0]' }]);
    expect(hours.notes).toEqual(['Weekdays']);
    expect(defects).toEqual([]);
  });

  it('gives DAILY every day, and a WEEKLY rule without days the weekday of its dtstart', () => {
    expect(read([schedule({ freq: 'DAILY', opensAt: '00:00', closesAt: '00:00' })]).hours.patterns[0]).toMatchObject({ days: [1, 2, 3, 4, 5, 6, 7], opens: '00:00', closes: '24:00' });
    expect(read([schedule({ freq: 'WEEKLY', dtstart: '2026-11-04', opensAt: '10:00', closesAt: '12:00' })]).hours.patterns[0]).toMatchObject({ days: [3], from: dayNumberOf('2026-11-04') });
  });

  it('bounds a rule with COUNT by the weeks its occurrences can span', () => {
    const { hours } = read([schedule({ freq: 'WEEKLY', byday: 'MO,WE', dtstart: '2026-11-02', count: 4, opensAt: '10:00', closesAt: '12:00' })]);
    expect(hours.patterns[0]).toMatchObject({ from: dayNumberOf('2026-11-02'), to: dayNumberOf('2026-11-15') });
  });

  it.each([
    [{ freq: 'MONTHLY', byday: '1SA' }, /repeats monthly; only weekly and daily hours can be shown/],
    [{ freq: 'WEEKLY', interval: 2, byday: 'MO' }, /repeats at an interval of “2”/],
    [{ freq: 'WEEKLY', byday: 'MO', bymonthday: '1,2' }, /limited to certain weeks or days \(bymonthday\)/],
    [{ byday: '2TU' }, /only on certain weeks of the month \(2TU\)/],
    [{ freq: 'WEEKLY' }, /does not say which days/],
    [{ byday: 'MO', opensAt: '25:00' }, /opening time “25:00” is not a time of day/],
    [{ byday: 'MO', opensAt: '10:00', closesAt: '10:00' }, /opens and closes at the same time/],
    [{ byday: 'MO', validTo: 'next year' }, /valid_to “next year” is not a date/],
    [{ byday: 'MO', validFrom: '2026-05-01', validTo: '2026-04-01' }, /ends before it starts/],
    [{ byday: 'MO', count: 3 }, /occurrences without a usable start date/],
  ])('leaves out what it cannot show exactly: %j', (fields, reason) => {
    const { hours, defects } = read([schedule({ opensAt: '09:00', closesAt: '17:00', ...fields })]);
    expect(hours.patterns).toEqual([]);
    expect(defects).toEqual([expect.stringMatching(new RegExp(`^warning: Schedule S1.*${reason.source}`))]);
  });

  it('keeps the known days when some are not days of the week', () => {
    const { hours, defects } = read([schedule({ byday: 'MO,XX', opensAt: '9am', closesAt: '17:00' })]);
    expect(hours.patterns[0]).toMatchObject({ days: [1], opens: '09:00' });
    expect(defects).toEqual(['warning: Schedule S1: “XX” is not a day of the week; ignored.', 'repaired: Schedule S1: “9am” read as 09:00.']);
  });

  it('keeps a text-only schedule as a note, and reads "closed on public holidays" from it', () => {
    const { hours, defects } = read([schedule({ description: '<b>Mornings</b>; closed on public holidays' })]);
    expect(hours).toMatchObject({ published: true, patterns: [], notes: ['Mornings; closed on public holidays'], closedOnBankHolidays: true });
    expect(defects).toEqual([]);
  });

  it("uses the sites' schedules only when the service has none of its own, once each", () => {
    const own = schedule({ id: 'own', byday: 'MO', opensAt: '09:00', closesAt: '10:00' });
    const site = schedule({ id: 'site', attachedTo: 'service_at_location', byday: 'TU', opensAt: '09:00', closesAt: '10:00' });
    expect(read([own, site]).hours.patterns.map((p) => p.label)).toEqual(['Schedule own']);
    expect(read([site, { ...site }]).hours.patterns.map((p) => p.label)).toEqual(['Schedule site']);
  });

  it('reads holiday schedules: closed, special hours, and unusable hours as closed', () => {
    const { hours, defects } = read(
      [],
      [
        { id: 'h1', closed: 'TRUE', opensAt: undefined, closesAt: undefined, startDate: '2026-12-25', endDate: undefined },
        { id: 'h2', closed: false, opensAt: '10:00', closesAt: '14:00', startDate: '2026-12-31', endDate: '2026-12-31' },
        { id: 'h3', closed: 'false', opensAt: 'late', closesAt: undefined, startDate: '2027-01-01', endDate: '2027-01-02' },
        { id: 'h4', closed: true, opensAt: undefined, closesAt: undefined, startDate: 'Christmas', endDate: undefined },
      ],
    );
    expect(hours.holidays.map(({ from, to, sessions }) => ({ from, to, sessions }))).toEqual([
      { from: dayNumberOf('2026-12-25'), to: dayNumberOf('2026-12-25'), sessions: [] },
      { from: dayNumberOf('2026-12-31'), to: dayNumberOf('2026-12-31'), sessions: [{ opens: '10:00', closes: '14:00' }] },
      { from: dayNumberOf('2027-01-01'), to: dayNumberOf('2027-01-02'), sessions: [] },
    ]);
    expect(defects).toEqual([
      'repaired: Holiday schedule h3 gives no usable hours although it is marked open; treated as closed on those dates.',
      'warning: Holiday schedule h4 has no readable start_date; left out.',
    ]);
  });
});

describe('the clock a schedule is on', () => {
  const weekdays = { byday: 'MO,TU,WE,TH,FR', opensAt: '09:00', closesAt: '17:00' };

  it('reads times with no zone, or London by name, as London times without a word', () => {
    expect(read([schedule(weekdays)])).toMatchObject({ hours: { patterns: [{ zone: null }] }, defects: [] });
    expect(read([schedule({ ...weekdays, timezone: 'Europe/London' })])).toMatchObject({ hours: { patterns: [{ zone: null }] }, defects: [] });
  });

  it.each([
    [{ opensAt: '09:00:00Z', closesAt: '17:00:00Z' }, 'UTC+00:00'],
    [{ opensAt: '09:00+01:00', closesAt: '17:00+01:00' }, 'UTC+01:00'],
    [{ timezone: 0 }, 'UTC+00:00'],
    [{ timezone: 'GMT' }, 'GMT'],
    [{ timezone: 'BST' }, 'BST'],
  ])('reads an offset London itself keeps (%j) as London time, and reports it', (fields, stated) => {
    const { hours, defects } = read([schedule({ ...weekdays, ...fields })]);
    expect(hours.patterns[0]).toMatchObject({ opens: '09:00', closes: '17:00', zone: null });
    expect(defects).toEqual([`warning: Schedule S1 gives its times in ${stated}, the way UK feeds write London hours; read as London time (the same hours all year). If the service really keeps ${stated}, correct the feed.`]);
  });

  it.each([
    [{ opensAt: '09:00-05:00', closesAt: '17:00-05:00' }, 'UTC-5', 'UTC−05:00'],
    [{ timezone: 3 }, 'UTC+3', 'UTC+03:00'],
    [{ timezone: '+05:30' }, 'UTC+5:30', 'UTC+05:30'],
    [{ timezone: 'America/New_York' }, 'America/New_York', 'America/New_York'],
  ])('honours any other offset or zone (%j): converted when resolved, and reported', (fields, zone, stated) => {
    const { hours, defects } = read([schedule({ ...weekdays, ...fields })]);
    expect(hours.patterns[0]).toMatchObject({ opens: '09:00', closes: '17:00', zone });
    expect(defects).toEqual([`repaired: Schedule S1 gives its times in ${stated}; converted to London time day by day, so they move when either clock changes.`]);
  });

  it('leaves out a schedule on a clock nobody knows, or whose times are on two clocks', () => {
    expect(read([schedule({ ...weekdays, timezone: 'Mars/Olympus' })])).toEqual({
      hours: expect.objectContaining({ patterns: [] }),
      defects: ['warning: Schedule S1 gives its times in “Mars/Olympus”, which is not a time zone or UTC offset; when it is open is unknown, so it was left out.'],
    });
    expect(read([schedule({ byday: 'MO', opensAt: '09:00Z', closesAt: '17:00-05:00' })]).defects).toEqual([
      'warning: Schedule S1 opens and closes on different clocks (UTC offsets 0 h and -5 h); when it is open is unknown, so it was left out.',
    ]);
  });

  it('reads the times of a dated holiday schedule on another clock as London times, and says so', () => {
    const { hours, defects } = read([], [{ id: 'h', closed: false, opensAt: '10:00-05:00', closesAt: '14:00-05:00', startDate: '2026-12-31', endDate: undefined }]);
    expect(hours.holidays[0]!.sessions).toEqual([{ opens: '10:00', closes: '14:00' }]);
    expect(defects).toEqual(['warning: Holiday schedule h gives its times in UTC−05:00; read as London time on those dates. If the service keeps another clock, correct the feed.']);
  });
});
