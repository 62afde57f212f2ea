import { describe, expect, it } from 'vitest';
import { readOpenAt, type OpenAtReading } from './open-at';

/*
 * "Open at" as a clinician types it, read in Europe/London whatever the machine's zone. The clock
 * changes of 2026: forward at 01:00 UTC on Sunday 29 March, back at 01:00 UTC on Sunday 25 October.
 */

const iso = (r: OpenAtReading) => (r.kind === 'at' ? r.iso : r.kind);
const at = (text: string, now: string | Date) => iso(readOpenAt(text, new Date(now)));

// Wednesday 25 November 2026 (GMT: London time is UTC).
const WED_AFTERNOON = '2026-11-25T14:00:00Z';

describe('reading "open at"', () => {
  it('reads “tonight 02:00” as the small hours after this evening', () => {
    expect(at('tonight 02:00', WED_AFTERNOON)).toBe('2026-11-26T02:00:00.000Z');
    expect(at('Tonight 2am', WED_AFTERNOON)).toBe('2026-11-26T02:00:00.000Z');
    expect(at('tonight at 2', WED_AFTERNOON)).toBe('2026-11-26T02:00:00.000Z');
    expect(at('tonight 23:30', WED_AFTERNOON)).toBe('2026-11-25T23:30:00.000Z');
    expect(at('tonight midnight', WED_AFTERNOON)).toBe('2026-11-26T00:00:00.000Z');
  });

  it('on a night shift, “tonight” is the night still going on', () => {
    // Thursday 01:00: 02:00 tonight is in an hour, not tomorrow night.
    expect(at('tonight 02:00', '2026-11-26T01:00:00Z')).toBe('2026-11-26T02:00:00.000Z');
    // 00:30 has passed: the next night's.
    expect(at('tonight 00:30', '2026-11-26T01:00:00Z')).toBe('2026-11-27T00:30:00.000Z');
    // Its evening is over: the coming evening.
    expect(at('tonight 22:00', '2026-11-26T01:00:00Z')).toBe('2026-11-26T22:00:00.000Z');
  });

  it('reads “Sat 10:00” as the coming Saturday, today if it is still ahead, else next week', () => {
    expect(at('Sat 10:00', WED_AFTERNOON)).toBe('2026-11-28T10:00:00.000Z');
    for (const typed of ['sat 10am', 'SATURDAY 10', 'saturday at 10.00', 'Sa 1000', 'sat, 10:00', '10:00 Sat']) expect(at(typed, WED_AFTERNOON), typed).toBe('2026-11-28T10:00:00.000Z');
    expect(at('Sat 10:00', '2026-11-28T09:00:00Z')).toBe('2026-11-28T10:00:00.000Z');
    expect(at('Sat 10:00', '2026-11-28T11:00:00Z')).toBe('2026-12-05T10:00:00.000Z');
    expect(at('next sat 10:00', '2026-11-28T09:00:00Z')).toBe('2026-12-05T10:00:00.000Z');
    expect(at('thurs 9am', WED_AFTERNOON)).toBe('2026-11-26T09:00:00.000Z');
    expect(at('weds 18:00', WED_AFTERNOON)).toBe('2026-11-25T18:00:00.000Z');
  });

  it('reads a time alone as its next occurrence, across midnight', () => {
    expect(at('02:00', '2026-11-25T23:00:00Z')).toBe('2026-11-26T02:00:00.000Z');
    expect(at('23:59', '2026-11-25T23:58:00Z')).toBe('2026-11-25T23:59:00.000Z');
    expect(at('midnight', '2026-11-25T20:00:00Z')).toBe('2026-11-26T00:00:00.000Z');
    expect(at('noon', WED_AFTERNOON)).toBe('2026-11-26T12:00:00.000Z');
    expect(at('9:05pm', WED_AFTERNOON)).toBe('2026-11-25T21:05:00.000Z');
  });

  it('reads tomorrow, today, dates and “in 2 hours”', () => {
    expect(at('tomorrow 9am', WED_AFTERNOON)).toBe('2026-11-26T09:00:00.000Z');
    expect(at('tmrw 09:00', WED_AFTERNOON)).toBe('2026-11-26T09:00:00.000Z');
    expect(at('25/12 14:00', WED_AFTERNOON)).toBe('2026-12-25T14:00:00.000Z');
    expect(at('25 Dec 2pm', WED_AFTERNOON)).toBe('2026-12-25T14:00:00.000Z');
    expect(at('Dec 25th 14:00', WED_AFTERNOON)).toBe('2026-12-25T14:00:00.000Z');
    expect(at('1/1/2027 10:00', WED_AFTERNOON)).toBe('2027-01-01T10:00:00.000Z');
    // A date already gone this year means next year's.
    expect(at('1 Nov 10:00', WED_AFTERNOON)).toBe('2027-11-01T10:00:00.000Z');
    expect(at('in 2 hours', '2026-11-25T14:00:40Z')).toBe('2026-11-25T16:00:00.000Z');
    expect(at('in 90 min', WED_AFTERNOON)).toBe('2026-11-25T15:30:00.000Z');
    expect(at('', WED_AFTERNOON)).toBe('now');
    expect(at(' Now ', WED_AFTERNOON)).toBe('now');
  });

  it('labels the instant in London time and says when it has passed', () => {
    const r = readOpenAt('today 09:00', new Date(WED_AFTERNOON));
    expect(r).toMatchObject({ kind: 'at', label: 'Wed 25 Nov 09:00', note: 'That time has passed: results show what was open then.' });
    expect(readOpenAt('Sat 10:00', new Date(WED_AFTERNOON))).toMatchObject({ label: 'Sat 28 Nov 10:00', note: null });
  });

  it('refuses what it cannot read, saying what would do', () => {
    for (const typed of ['tonite later', 'Sat', 'tomorrow', '25:00', '13pm', '31/02 10:00', 'sat sun 10:00', '10:00 11:00', 's 10:00', 'next 10:00', 'in 500 days']) {
      const r = readOpenAt(typed, new Date(WED_AFTERNOON));
      expect(r.kind, typed).toBe('invalid');
      expect(r.kind === 'invalid' && r.message, typed).toMatch(/Try|time of day|next year|one day|one time|goes with a day/);
    }
  });
});

describe('reading "open at" across the clock changes (Europe/London)', () => {
  it('spring: a time in the skipped hour is the moment the clocks jump, and says so', () => {
    // Friday 27 March 2026, 12:00 GMT.
    const friday = new Date('2026-03-27T12:00:00Z');
    const skipped = readOpenAt('Sun 01:30', friday);
    expect(skipped).toMatchObject({ kind: 'at', iso: '2026-03-29T01:00:00.000Z' });
    expect(skipped.kind === 'at' && skipped.note).toMatch(/clocks go forward.*01:30 never shows.*02:00/);
    expect(at('Sun 02:30', friday)).toBe('2026-03-29T01:30:00.000Z'); // BST
    expect(at('Sun 00:30', friday)).toBe('2026-03-29T00:30:00.000Z'); // still GMT
    // Saturday evening: "tonight 03:00" is Sunday 03:00 BST.
    expect(at('tonight 03:00', '2026-03-28T20:00:00Z')).toBe('2026-03-29T02:00:00.000Z');
    // "in 2 hours" across the jump is two hours of real time.
    expect(at('in 2 hours', '2026-03-29T00:30:00Z')).toBe('2026-03-29T02:30:00.000Z');
  });

  it('autumn: a time in the repeated hour is its first occurrence, and says so', () => {
    // Saturday 24 October 2026, 12:00 BST.
    const saturday = new Date('2026-10-24T11:00:00Z');
    const twice = readOpenAt('tonight 01:30', saturday);
    expect(twice).toMatchObject({ kind: 'at', iso: '2026-10-25T00:30:00.000Z' });
    expect(twice.kind === 'at' && twice.note).toMatch(/clocks go back.*01:30 happens twice.*first/);
    expect(at('tonight 02:00', saturday)).toBe('2026-10-25T02:00:00.000Z'); // GMT again
    expect(at('Sun 00:30', saturday)).toBe('2026-10-24T23:30:00.000Z'); // BST
    expect(readOpenAt('Sun 03:00', saturday)).toMatchObject({ iso: '2026-10-25T03:00:00.000Z', note: null });
  });

  it('does not depend on the desk’s own time zone', () => {
    // The reading uses only London wall-clock arithmetic; a label too is London time.
    const r = readOpenAt('Sat 10:00', new Date('2026-07-22T14:00:00Z'));
    expect(r).toMatchObject({ iso: '2026-07-25T09:00:00.000Z', label: 'Sat 25 Jul 10:00' });
  });
});
