import { describe, expect, it } from 'vitest';
import { Schedule } from '../domain/schedule';
import { englandAndWalesCalendar } from './bank-holidays';
import { dayNumberOf } from './calendar';
import { compileSchedule, isOpen, openContextAt, openStatus, sessionRange, sessionsStarting, type CompiledSchedule, type OpenStatus } from './opening-hours';

/*
 * Instants are written with their offset: +01:00 in British Summer Time, Z (GMT) in winter. The
 * clocks changed (or change) at 01:00 UTC on 2026-03-29, 2026-10-25, 2027-03-28 and 2027-10-31.
 */
const cal = englandAndWalesCalendar();
const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];
const WEEKDAYS = [1, 2, 3, 4, 5];

function compile(partial: Partial<Schedule>): CompiledSchedule {
  return compileSchedule(Schedule.parse({ alwaysOpen: false, weekly: [], bankHolidays: 'as_usual', exceptions: [], ...partial }));
}

/** Status at an instant, after checking that the fast per-row test agrees with it. */
function at(c: CompiledSchedule, iso: string): OpenStatus {
  const s = openStatus(c, new Date(iso), cal);
  expect(isOpen(c, openContextAt(new Date(iso), cal)), `isOpen and openStatus disagree at ${iso}`).toBe(s.open);
  return s;
}

function expectOpen(c: CompiledSchedule, iso: string, until: string | null) {
  const s = at(c, iso);
  expect(s.open, `open at ${iso}`).toBe(true);
  expect(s.nextOpen).toBeNull();
  if (until === null) expect(s.until).toBeNull();
  else expect(s.until?.toISOString(), `until, at ${iso}`).toBe(new Date(until).toISOString());
}

function expectClosed(c: CompiledSchedule, iso: string, nextOpen: string | null) {
  const s = at(c, iso);
  expect(s.open, `closed at ${iso}`).toBe(false);
  expect(s.until).toBeNull();
  if (nextOpen === null) expect(s.nextOpen).toBeNull();
  else expect(s.nextOpen?.toISOString(), `nextOpen, at ${iso}`).toBe(new Date(nextOpen).toISOString());
}

const hours = (from: Date | null, to: Date | null) => (to!.getTime() - from!.getTime()) / 3_600_000;

describe('a 09:00–17:00 weekday service across British Summer Time', () => {
  const office = compile({ weekly: [{ opens: '09:00', closes: '17:00', days: WEEKDAYS }] });

  it('is open at 08:30 UTC in summer (09:30 BST) and closed at 08:30 UTC in winter', () => {
    expectOpen(office, '2026-06-10T08:30:00Z', '2026-06-10T17:00:00+01:00');
    expectClosed(office, '2026-12-09T08:30:00Z', '2026-12-09T09:00:00Z');
  });

  it('follows the spring change of 2026 and 2027 (the week before in GMT, the week after in BST)', () => {
    expectClosed(office, '2026-03-27T08:30:00Z', '2026-03-27T09:00:00Z');
    expectOpen(office, '2026-03-30T08:30:00Z', '2026-03-30T16:00:00Z');
    expectClosed(office, '2026-03-30T16:00:00Z', '2026-03-31T08:00:00Z');
    expectClosed(office, '2027-03-26T08:30:00Z', '2027-03-26T09:00:00Z');
    expectOpen(office, '2027-03-30T08:30:00Z', '2027-03-30T16:00:00Z');
  });

  it('follows the autumn change of 2026 and 2027', () => {
    expectOpen(office, '2026-10-23T08:30:00Z', '2026-10-23T16:00:00Z');
    expectClosed(office, '2026-10-26T08:30:00Z', '2026-10-26T09:00:00Z');
    expectOpen(office, '2026-10-26T16:30:00Z', '2026-10-26T17:00:00Z');
    expectOpen(office, '2027-10-29T08:30:00Z', '2027-10-29T16:00:00Z');
    expectClosed(office, '2027-11-01T08:30:00Z', '2027-11-01T09:00:00Z');
  });

  it('over a weekend points to Monday', () => {
    expectClosed(office, '2026-10-23T16:00:00Z', '2026-10-26T09:00:00Z'); // Friday evening BST → Monday GMT
    expectClosed(office, '2026-03-27T17:00:00Z', '2026-03-30T08:00:00Z'); // Friday evening GMT → Monday BST
  });
});

describe('an overnight sanctuary 22:00–06:00 on the nights the clocks change', () => {
  const sanctuary = compile({ weekly: [{ opens: '22:00', closes: '06:00', days: EVERY_DAY }] });

  it('spring 2026: opens 22:00 GMT Saturday, closes 06:00 BST Sunday, a 7-hour night', () => {
    expectClosed(sanctuary, '2026-03-28T21:59:00Z', '2026-03-28T22:00:00Z');
    expectOpen(sanctuary, '2026-03-28T22:00:00Z', '2026-03-29T06:00:00+01:00');
    expectOpen(sanctuary, '2026-03-29T00:59:00Z', '2026-03-29T05:00:00Z');
    expectOpen(sanctuary, '2026-03-29T01:00:00Z', '2026-03-29T05:00:00Z'); // 02:00 BST, straight after the jump
    expectOpen(sanctuary, '2026-03-29T04:59:00Z', '2026-03-29T05:00:00Z');
    expectClosed(sanctuary, '2026-03-29T05:00:00Z', '2026-03-29T22:00:00+01:00');
    const opening = at(sanctuary, '2026-03-28T21:00:00Z').nextOpen;
    expect(hours(opening, at(sanctuary, opening!.toISOString()).until)).toBe(7);
  });

  it('autumn 2026: opens 22:00 BST Saturday, closes 06:00 GMT Sunday, a 9-hour night open through both passes of 01:00–02:00', () => {
    expectClosed(sanctuary, '2026-10-24T20:59:00Z', '2026-10-24T22:00:00+01:00');
    expectOpen(sanctuary, '2026-10-24T21:00:00Z', '2026-10-25T06:00:00Z');
    expectOpen(sanctuary, '2026-10-25T00:30:00Z', '2026-10-25T06:00:00Z'); // 01:30 BST
    expectOpen(sanctuary, '2026-10-25T01:30:00Z', '2026-10-25T06:00:00Z'); // 01:30 GMT, the second time
    expectOpen(sanctuary, '2026-10-25T05:59:00Z', '2026-10-25T06:00:00Z');
    expectClosed(sanctuary, '2026-10-25T06:00:00Z', '2026-10-25T22:00:00Z');
    const opening = at(sanctuary, '2026-10-24T20:00:00Z').nextOpen;
    expect(hours(opening, at(sanctuary, opening!.toISOString()).until)).toBe(9);
  });

  it('spring and autumn 2027 the same way', () => {
    expectOpen(sanctuary, '2027-03-27T22:00:00Z', '2027-03-28T05:00:00Z');
    expectClosed(sanctuary, '2027-03-28T05:00:00Z', '2027-03-28T21:00:00Z');
    expectOpen(sanctuary, '2027-10-30T21:00:00Z', '2027-10-31T06:00:00Z');
    expectOpen(sanctuary, '2027-10-31T01:15:00Z', '2027-10-31T06:00:00Z');
    expectClosed(sanctuary, '2027-10-31T06:00:00Z', '2027-10-31T22:00:00Z');
    expect(hours(new Date('2027-03-27T22:00:00Z'), at(sanctuary, '2027-03-27T22:00:00Z').until)).toBe(7);
    expect(hours(new Date('2027-10-30T21:00:00Z'), at(sanctuary, '2027-10-30T21:00:00Z').until)).toBe(9);
  });

  it('the nights either side are ordinary 8-hour nights', () => {
    expect(hours(new Date('2026-03-27T22:00:00Z'), at(sanctuary, '2026-03-27T22:00:00Z').until)).toBe(8);
    expect(hours(new Date('2026-03-29T21:00:00Z'), at(sanctuary, '2026-03-29T21:00:00Z').until)).toBe(8);
    expect(hours(new Date('2026-10-23T21:00:00Z'), at(sanctuary, '2026-10-23T21:00:00Z').until)).toBe(8);
    expect(hours(new Date('2026-10-25T22:00:00Z'), at(sanctuary, '2026-10-25T22:00:00Z').until)).toBe(8);
  });
});

describe('sessions touching the hour skipped in spring (01:00–02:00 GMT does not happen)', () => {
  it('a session closing at 01:30 closes when the clocks jump', () => {
    const late = compile({ weekly: [{ opens: '22:00', closes: '01:30', days: EVERY_DAY }] });
    expectOpen(late, '2026-03-29T00:59:00Z', '2026-03-29T01:00:00Z');
    expectClosed(late, '2026-03-29T01:00:00Z', '2026-03-29T22:00:00+01:00');
    expectOpen(late, '2027-03-28T00:30:00Z', '2027-03-28T01:00:00Z');
    // the night before and after: an ordinary 01:30 close
    expectOpen(late, '2026-03-28T01:00:00Z', '2026-03-28T01:30:00Z');
    expectOpen(late, '2026-03-30T00:00:00Z', '2026-03-30T00:30:00Z');
  });

  it('a session opening at 01:30 opens when the clocks jump', () => {
    const early = compile({ weekly: [{ opens: '01:30', closes: '03:00', days: EVERY_DAY }] });
    expectClosed(early, '2026-03-29T00:30:00Z', '2026-03-29T01:00:00Z');
    expectOpen(early, '2026-03-29T01:00:00Z', '2026-03-29T03:00:00+01:00');
    expectClosed(early, '2026-03-28T01:29:00Z', '2026-03-28T01:30:00Z');
    expectClosed(early, '2027-03-28T00:00:00Z', '2027-03-28T01:00:00Z');
  });

  it('a session wholly inside the skipped hour does not open that night', () => {
    const never = compile({ weekly: [{ opens: '01:15', closes: '01:45', days: EVERY_DAY }] });
    expectClosed(never, '2026-03-29T00:30:00Z', '2026-03-30T01:15:00+01:00');
    expectClosed(never, '2026-03-29T01:00:00Z', '2026-03-30T01:15:00+01:00');
    expectClosed(never, '2026-03-29T01:20:00Z', '2026-03-30T01:15:00+01:00');
  });

  it('sessions either side of the skipped hour are one opening', () => {
    const both = compile({ weekly: [{ opens: '00:00', closes: '01:00', days: EVERY_DAY }, { opens: '02:00', closes: '04:00', days: EVERY_DAY }] });
    expectOpen(both, '2026-03-29T00:30:00Z', '2026-03-29T04:00:00+01:00');
    expectOpen(both, '2026-03-29T01:00:00Z', '2026-03-29T04:00:00+01:00');
    // on an ordinary night they are two
    expectOpen(both, '2026-03-28T00:30:00Z', '2026-03-28T01:00:00Z');
    expectClosed(both, '2026-03-28T01:00:00Z', '2026-03-28T02:00:00Z');
  });
});

describe('sessions touching the hour repeated in autumn (01:00–02:00 happens in BST, then again in GMT)', () => {
  // A time inside the repeated hour happens once, the first time the clocks show it: a service never
  // closes and then reopens (or opens and then closes) because the clocks went back.
  it('a session closing at 01:30 closes at 01:30 BST and stays closed through 01:30 GMT', () => {
    const late = compile({ weekly: [{ opens: '22:00', closes: '01:30', days: EVERY_DAY }] });
    expectOpen(late, '2026-10-24T21:00:00Z', '2026-10-25T01:30:00+01:00');
    expectOpen(late, '2026-10-25T00:15:00Z', '2026-10-25T00:30:00Z');
    expectClosed(late, '2026-10-25T00:30:00Z', '2026-10-25T22:00:00Z');
    expectClosed(late, '2026-10-25T01:00:00Z', '2026-10-25T22:00:00Z'); // 01:00 GMT: the clock reads 01:00 again
    expectClosed(late, '2026-10-25T01:15:00Z', '2026-10-25T22:00:00Z');
    expectOpen(late, '2027-10-31T00:00:00Z', '2027-10-31T00:30:00Z');
    expectClosed(late, '2027-10-31T01:20:00Z', '2027-10-31T22:00:00Z');
  });

  it('a session opening at 01:30 opens at 01:30 BST and stays open through the repeated hour', () => {
    const early = compile({ weekly: [{ opens: '01:30', closes: '05:00', days: EVERY_DAY }] });
    expectClosed(early, '2026-10-25T00:15:00Z', '2026-10-25T01:30:00+01:00');
    expectOpen(early, '2026-10-25T00:30:00Z', '2026-10-25T05:00:00Z');
    expectOpen(early, '2026-10-25T01:00:00Z', '2026-10-25T05:00:00Z');
    expectOpen(early, '2026-10-25T01:15:00Z', '2026-10-25T05:00:00Z');
    expectOpen(early, '2026-10-25T01:45:00Z', '2026-10-25T05:00:00Z');
  });

  it('a session 01:00–02:00 lasts two hours that night', () => {
    const hour = compile({ weekly: [{ opens: '01:00', closes: '02:00', days: EVERY_DAY }] });
    expectClosed(hour, '2026-10-24T23:30:00Z', '2026-10-25T01:00:00+01:00');
    expectOpen(hour, '2026-10-25T00:00:00Z', '2026-10-25T02:00:00Z');
    expectOpen(hour, '2026-10-25T01:59:00Z', '2026-10-25T02:00:00Z');
    expectClosed(hour, '2026-10-25T02:00:00Z', '2026-10-26T01:00:00Z');
  });

  it('a session closing at 01:00 closes the first time the clocks show 01:00', () => {
    const late = compile({ weekly: [{ opens: '20:00', closes: '01:00', days: EVERY_DAY }] });
    expectOpen(late, '2026-10-24T23:59:00Z', '2026-10-25T00:00:00Z');
    expectClosed(late, '2026-10-25T01:00:00Z', '2026-10-25T20:00:00Z');
  });
});

describe('services open around the clock', () => {
  const always = compile({ alwaysOpen: true });
  const weekly24 = compile({ weekly: [{ opens: '00:00', closes: '24:00', days: EVERY_DAY }] });
  const weekly0000 = compile({ weekly: [{ opens: '00:00', closes: '00:00', days: EVERY_DAY }] });

  it('are open with no end, including across the clock changes and at Christmas', () => {
    for (const c of [always, weekly24, weekly0000]) {
      for (const t of ['2026-03-29T00:59:00Z', '2026-03-29T01:00:00Z', '2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z', '2026-12-25T12:00:00Z', '2027-12-31T23:59:00Z', '2026-06-10T00:00:00+01:00']) {
        expectOpen(c, t, null);
        expect(at(c, t).todayIs).toBeNull();
      }
    }
  });

  it('still honour "closed on bank holidays" and exceptions', () => {
    const exceptXmas = compile({ alwaysOpen: true, bankHolidays: 'closed' });
    expectOpen(exceptXmas, '2026-12-24T12:00:00Z', '2026-12-25T00:00:00Z');
    expectClosed(exceptXmas, '2026-12-25T12:00:00Z', '2026-12-27T00:00:00Z');
    const shutForADay = compile({ alwaysOpen: true, exceptions: [{ from: '2026-07-01', to: '2026-07-01', sessions: [] }] });
    expectOpen(shutForADay, '2026-06-28T12:00:00+01:00', '2026-07-01T00:00:00+01:00');
    expectClosed(shutForADay, '2026-07-01T12:00:00+01:00', '2026-07-02T00:00:00+01:00');
  });
});

describe('split sessions 09:00–12:30 and 13:30–17:00', () => {
  const split = compile({ weekly: [{ opens: '09:00', closes: '12:30', days: WEEKDAYS }, { opens: '13:30', closes: '17:00', days: WEEKDAYS }] });

  it('is closed over lunch, open until 12:30 before it and opens again at 13:30', () => {
    expectOpen(split, '2026-12-09T12:00:00Z', '2026-12-09T12:30:00Z');
    expectClosed(split, '2026-12-09T12:30:00Z', '2026-12-09T13:30:00Z');
    expectClosed(split, '2026-12-09T13:00:00Z', '2026-12-09T13:30:00Z');
    expectOpen(split, '2026-12-09T13:30:00Z', '2026-12-09T17:00:00Z');
    expectOpen(split, '2026-06-10T12:00:00+01:00', '2026-06-10T12:30:00+01:00');
    expectClosed(split, '2026-06-10T13:00:00+01:00', '2026-06-10T13:30:00+01:00');
  });

  it('touching or overlapping sessions are one opening', () => {
    const touching = compile({ weekly: [{ opens: '09:00', closes: '12:30', days: WEEKDAYS }, { opens: '12:30', closes: '17:00', days: WEEKDAYS }] });
    expectOpen(touching, '2026-12-09T10:00:00Z', '2026-12-09T17:00:00Z');
    const overlapping = compile({ weekly: [{ opens: '13:00', closes: '17:00', days: WEEKDAYS }, { opens: '09:00', closes: '14:00', days: [3] }] });
    expectOpen(overlapping, '2026-12-09T10:00:00Z', '2026-12-09T17:00:00Z');
    expectClosed(overlapping, '2026-12-10T10:00:00Z', '2026-12-10T13:00:00Z');
  });
});

describe('overnight sessions across midnight and weeks', () => {
  it('a Sunday-night session runs into Monday morning', () => {
    const sundayNight = compile({ weekly: [{ opens: '20:00', closes: '08:00', days: [7] }] });
    expectClosed(sundayNight, '2026-06-07T06:00:00+01:00', '2026-06-07T20:00:00+01:00'); // Sunday morning: Saturday has none
    expectClosed(sundayNight, '2026-06-07T19:59:00+01:00', '2026-06-07T20:00:00+01:00');
    expectOpen(sundayNight, '2026-06-07T20:00:00+01:00', '2026-06-08T08:00:00+01:00');
    expectOpen(sundayNight, '2026-06-08T06:30:00+01:00', '2026-06-08T08:00:00+01:00'); // Monday
    expectClosed(sundayNight, '2026-06-08T08:00:00+01:00', '2026-06-14T20:00:00+01:00');
    expectClosed(sundayNight, '2026-06-09T06:30:00+01:00', '2026-06-14T20:00:00+01:00'); // Tuesday
  });

  it('a session closing at 24:00 ends at midnight, and runs on into a session from 00:00', () => {
    const evening = compile({ weekly: [{ opens: '18:00', closes: '24:00', days: EVERY_DAY }] });
    expectOpen(evening, '2026-12-09T23:59:00Z', '2026-12-10T00:00:00Z');
    expectClosed(evening, '2026-12-10T00:00:00Z', '2026-12-10T18:00:00Z');
    expectOpen(evening, '2026-06-10T23:30:00+01:00', '2026-06-11T00:00:00+01:00');
    const joined = compile({ weekly: [{ opens: '18:00', closes: '24:00', days: [1] }, { opens: '00:00', closes: '02:00', days: [2] }] });
    expectOpen(joined, '2026-12-07T20:00:00Z', '2026-12-08T02:00:00Z');
    expect(sessionRange({ opens: '18:00', closes: '24:00' })).toEqual([1080, 1440]);
    expect(sessionRange({ opens: '18:00', closes: '02:00' })).toEqual([1080, 1560]);
    expect(sessionRange({ opens: '09:00', closes: '09:00' })).toEqual([540, 1980]);
  });
});

describe('dated exceptions', () => {
  const office = { weekly: [{ opens: '09:00', closes: '17:00', days: WEEKDAYS }] };

  it('closed for a range of dates', () => {
    const c = compile({ ...office, exceptions: [{ from: '2026-08-10', to: '2026-08-14', sessions: [], note: 'Refurbishment' }] });
    expectOpen(c, '2026-08-07T16:00:00+01:00', '2026-08-07T17:00:00+01:00');
    expect(at(c, '2026-08-07T16:00:00+01:00').todayIs).toBeNull();
    expectClosed(c, '2026-08-07T17:00:00+01:00', '2026-08-17T09:00:00+01:00');
    expectClosed(c, '2026-08-10T09:00:00+01:00', '2026-08-17T09:00:00+01:00');
    expectClosed(c, '2026-08-12T10:00:00+01:00', '2026-08-17T09:00:00+01:00');
    expect(at(c, '2026-08-12T10:00:00+01:00').todayIs).toBe('exception');
    expect(at(c, '2026-08-14T23:59:00+01:00').todayIs).toBe('exception');
    expectOpen(c, '2026-08-17T09:00:00+01:00', '2026-08-17T17:00:00+01:00');
    expect(at(c, '2026-08-17T09:00:00+01:00').todayIs).toBeNull();
  });

  it('special hours on one date, open on a day it is normally closed', () => {
    const c = compile({ ...office, bankHolidays: 'closed', exceptions: [{ from: '2026-12-24', to: '2026-12-24', sessions: [{ opens: '10:00', closes: '14:00' }] }, { from: '2026-07-18', to: '2026-07-18', sessions: [{ opens: '10:00', closes: '13:00' }] }] });
    expectClosed(c, '2026-12-24T09:30:00Z', '2026-12-24T10:00:00Z');
    expectOpen(c, '2026-12-24T13:59:00Z', '2026-12-24T14:00:00Z');
    expectClosed(c, '2026-12-24T14:30:00Z', '2026-12-29T09:00:00Z'); // 25 and 28 are bank holidays, 26–27 the weekend
    expect(at(c, '2026-12-24T14:30:00Z').todayIs).toBe('exception');
    expectClosed(c, '2026-07-17T17:00:00+01:00', '2026-07-18T10:00:00+01:00'); // a Saturday
    expectOpen(c, '2026-07-18T12:00:00+01:00', '2026-07-18T13:00:00+01:00');
  });

  it('win over the bank-holiday rule, both ways', () => {
    const openAnyway = compile({ ...office, bankHolidays: 'closed', exceptions: [{ from: '2026-12-28', to: '2026-12-28', sessions: [{ opens: '10:00', closes: '16:00' }] }] });
    expectOpen(openAnyway, '2026-12-28T12:00:00Z', '2026-12-28T16:00:00Z');
    expect(at(openAnyway, '2026-12-28T12:00:00Z').todayIs).toBe('exception');
    const shutAnyway = compile({ ...office, bankHolidays: [{ opens: '10:00', closes: '14:00' }], exceptions: [{ from: '2026-08-31', to: '2026-08-31', sessions: [] }] });
    expectClosed(shutAnyway, '2026-08-31T11:00:00+01:00', '2026-09-01T09:00:00+01:00');
    expect(at(shutAnyway, '2026-08-31T11:00:00+01:00').todayIs).toBe('exception');
    expectOpen(shutAnyway, '2027-08-30T11:00:00+01:00', '2027-08-30T14:00:00+01:00'); // the next year's is not excepted
  });

  it('the overnight session of the evening before still runs into an excepted day; the excepted evening does not', () => {
    const c = compile({ weekly: [{ opens: '22:00', closes: '06:00', days: EVERY_DAY }], exceptions: [{ from: '2026-07-15', to: '2026-07-15', sessions: [] }] });
    expectOpen(c, '2026-07-15T03:00:00+01:00', '2026-07-15T06:00:00+01:00');
    expectClosed(c, '2026-07-15T23:00:00+01:00', '2026-07-16T22:00:00+01:00');
    expectClosed(c, '2026-07-16T03:00:00+01:00', '2026-07-16T22:00:00+01:00');
  });

  it('an overnight special session runs into the next morning', () => {
    const c = compile({ ...office, exceptions: [{ from: '2026-07-20', to: '2026-07-20', sessions: [{ opens: '20:00', closes: '02:00' }] }] });
    expectClosed(c, '2026-07-20T10:00:00+01:00', '2026-07-20T20:00:00+01:00');
    expectOpen(c, '2026-07-21T01:00:00+01:00', '2026-07-21T02:00:00+01:00');
    expectClosed(c, '2026-07-21T02:00:00+01:00', '2026-07-21T09:00:00+01:00');
  });

  it('closed for more than the two-week look-ahead has no next opening', () => {
    const c = compile({ ...office, exceptions: [{ from: '2026-08-01', to: '2026-08-31', sessions: [] }] });
    expectClosed(c, '2026-08-03T12:00:00+01:00', null);
    expectClosed(c, '2026-08-20T12:00:00+01:00', '2026-09-01T09:00:00+01:00');
  });
});

describe('bank holidays at Christmas 2026 and 2027', () => {
  const closedDays2026 = ['2026-12-25', '2026-12-26', '2026-12-28'];
  const closedDays2027 = ['2027-12-25', '2027-12-26', '2027-12-27', '2027-12-28'];

  it('a daily service closed on bank holidays is closed on each, open on the Sunday between', () => {
    const c = compile({ weekly: [{ opens: '09:00', closes: '17:00', days: EVERY_DAY }], bankHolidays: 'closed' });
    expectClosed(c, '2026-12-25T12:00:00Z', '2026-12-27T09:00:00Z');
    expectClosed(c, '2026-12-26T12:00:00Z', '2026-12-27T09:00:00Z');
    expectOpen(c, '2026-12-27T12:00:00Z', '2026-12-27T17:00:00Z');
    expectClosed(c, '2026-12-28T12:00:00Z', '2026-12-29T09:00:00Z');
    for (const d of [...closedDays2026, ...closedDays2027]) expect(at(c, `${d}T12:00:00Z`).todayIs, d).toBe('bank_holiday');
    expect(at(c, '2026-12-27T12:00:00Z').todayIs).toBeNull();
    expectOpen(c, '2027-12-24T12:00:00Z', '2027-12-24T17:00:00Z');
    for (const d of closedDays2027) expectClosed(c, `${d}T12:00:00Z`, '2027-12-29T09:00:00Z');
  });

  it('a service with bank-holiday sessions uses them instead of its weekday hours, even at the weekend', () => {
    const c = compile({ weekly: [{ opens: '09:00', closes: '17:00', days: WEEKDAYS }], bankHolidays: [{ opens: '10:00', closes: '14:00' }] });
    for (const d of [...closedDays2026, ...closedDays2027]) {
      expectClosed(c, `${d}T09:30:00Z`, `${d}T10:00:00Z`);
      expectOpen(c, `${d}T12:00:00Z`, `${d}T14:00:00Z`);
      expect(at(c, `${d}T12:00:00Z`).todayIs, d).toBe('bank_holiday');
    }
    expectClosed(c, '2026-12-27T12:00:00Z', '2026-12-28T10:00:00Z'); // ordinary Sunday
    expectClosed(c, '2026-12-28T14:00:00Z', '2026-12-29T09:00:00Z');
  });

  it('an "as usual" service follows its weekday', () => {
    const c = compile({ weekly: [{ opens: '09:00', closes: '17:00', days: WEEKDAYS }], bankHolidays: 'as_usual' });
    expectOpen(c, '2026-12-25T12:00:00Z', '2026-12-25T17:00:00Z');
    expect(at(c, '2026-12-25T12:00:00Z').todayIs).toBeNull();
    expectClosed(c, '2026-12-26T12:00:00Z', '2026-12-28T09:00:00Z');
    expectOpen(c, '2026-12-28T12:00:00Z', '2026-12-28T17:00:00Z');
    expectClosed(c, '2027-12-25T12:00:00Z', '2027-12-27T09:00:00Z');
    expectOpen(c, '2027-12-27T12:00:00Z', '2027-12-27T17:00:00Z');
    expectOpen(c, '2027-12-28T12:00:00Z', '2027-12-28T17:00:00Z');
  });

  it('the overnight session that started the day before a bank holiday runs into its morning; the bank-holiday nights do not run', () => {
    const c = compile({ weekly: [{ opens: '22:00', closes: '06:00', days: EVERY_DAY }], bankHolidays: 'closed' });
    expectOpen(c, '2026-12-24T23:00:00Z', '2026-12-25T06:00:00Z');
    expectOpen(c, '2026-12-25T05:00:00Z', '2026-12-25T06:00:00Z');
    expect(at(c, '2026-12-25T05:00:00Z').todayIs).toBe('bank_holiday');
    expectClosed(c, '2026-12-25T06:00:00Z', '2026-12-27T22:00:00Z');
    expectClosed(c, '2026-12-25T23:00:00Z', '2026-12-27T22:00:00Z');
    expectClosed(c, '2026-12-26T03:00:00Z', '2026-12-27T22:00:00Z');
    expectOpen(c, '2026-12-28T03:00:00Z', '2026-12-28T06:00:00Z'); // Sunday night into the substitute day
    expectClosed(c, '2026-12-28T23:00:00Z', '2026-12-29T22:00:00Z');
    expectOpen(c, '2027-12-24T22:30:00Z', '2027-12-25T06:00:00Z');
    expectClosed(c, '2027-12-25T07:00:00Z', '2027-12-29T22:00:00Z');
    expectClosed(c, '2027-12-27T02:00:00Z', '2027-12-29T22:00:00Z');
    expectClosed(c, '2027-12-29T03:00:00Z', '2027-12-29T22:00:00Z'); // the 28th's night did not start
  });

  it('overnight bank-holiday sessions run into the next morning', () => {
    const c = compile({ weekly: [{ opens: '09:00', closes: '17:00', days: WEEKDAYS }], bankHolidays: [{ opens: '20:00', closes: '02:00' }] });
    expectClosed(c, '2026-12-25T12:00:00Z', '2026-12-25T20:00:00Z');
    expectOpen(c, '2026-12-26T01:00:00Z', '2026-12-26T02:00:00Z');
    expectOpen(c, '2026-12-27T01:00:00Z', '2026-12-27T02:00:00Z'); // from Boxing Day's own session
    expectOpen(c, '2026-12-29T01:00:00Z', '2026-12-29T02:00:00Z'); // from the substitute day's
  });
});

describe('Easter and the summer bank holidays', () => {
  const c = compile({ weekly: [{ opens: '09:00', closes: '17:00', days: WEEKDAYS }], bankHolidays: 'closed' });

  it('closes on Good Friday and Easter Monday', () => {
    expectClosed(c, '2026-04-02T17:00:00+01:00', '2026-04-07T09:00:00+01:00');
    expectClosed(c, '2026-04-03T10:00:00+01:00', '2026-04-07T09:00:00+01:00');
    expectClosed(c, '2026-04-06T10:00:00+01:00', '2026-04-07T09:00:00+01:00');
    expectClosed(c, '2027-03-26T10:00:00Z', '2027-03-30T09:00:00+01:00'); // Good Friday in GMT, back after the clocks change
    expectClosed(c, '2027-03-29T10:00:00+01:00', '2027-03-30T09:00:00+01:00');
  });

  it('closes on the May and summer bank holidays', () => {
    expectClosed(c, '2026-05-04T10:00:00+01:00', '2026-05-05T09:00:00+01:00');
    expectClosed(c, '2026-05-25T10:00:00+01:00', '2026-05-26T09:00:00+01:00');
    expectClosed(c, '2026-08-31T10:00:00+01:00', '2026-09-01T09:00:00+01:00');
    expectClosed(c, '2027-08-30T10:00:00+01:00', '2027-08-31T09:00:00+01:00');
    expectOpen(c, '2026-08-24T10:00:00+01:00', '2026-08-24T17:00:00+01:00');
  });
});

describe('the context and the sessions of a day', () => {
  it('openContextAt works out the London day, weekday, minute and bank holidays once', () => {
    expect(openContextAt(new Date('2026-12-25T23:30:00Z'), cal)).toEqual({
      day: dayNumberOf('2026-12-25'), weekday: 5, minute: 23 * 60 + 30, todayIsBankHoliday: true, yesterdayIsBankHoliday: false,
    });
    // 23:30 UTC on 30 June is already 1 July in London
    expect(openContextAt(new Date('2026-06-30T23:30:00Z'), cal)).toMatchObject({ day: dayNumberOf('2026-07-01'), weekday: 3, minute: 30 });
    expect(openContextAt(new Date('2026-12-29T10:00:00Z'), cal)).toMatchObject({ todayIsBankHoliday: false, yesterdayIsBankHoliday: true });
  });

  it('sessionsStarting picks exception, bank-holiday or weekday sessions', () => {
    const c = compile({
      weekly: [{ opens: '09:00', closes: '17:00', days: WEEKDAYS }, { opens: '22:00', closes: '02:00', days: [5] }],
      bankHolidays: [{ opens: '10:00', closes: '14:00' }],
      exceptions: [{ from: '2026-12-24', to: '2026-12-24', sessions: [] }],
    });
    expect(sessionsStarting(c, dayNumberOf('2026-12-18'), cal)).toEqual([[540, 1020], [1320, 1560]]);
    expect(sessionsStarting(c, dayNumberOf('2026-12-19'), cal)).toEqual([]);
    expect(sessionsStarting(c, dayNumberOf('2026-12-24'), cal)).toEqual([]);
    expect(sessionsStarting(c, dayNumberOf('2026-12-25'), cal)).toEqual([[600, 840]]);
    expect(sessionsStarting(c, dayNumberOf('2026-12-26'), cal)).toEqual([[600, 840]]);
  });
});
