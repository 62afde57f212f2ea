import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shownCount, shownPercentage, shownStatistic, SUPPRESSED } from './disclosure';

/*
 * The small-number rule for files that leave the team, as properties over every count and
 * percentage. The seed is printed; FC_SEED / FC_RUNS replay or widen a run.
 */
const SEED = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const NUM_RUNS = Number(process.env.FC_RUNS ?? 2000);
const params = { seed: SEED, numRuns: NUM_RUNS };
const count = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 5_000_000 }));

describe(`the small-number rule (fast-check seed ${SEED})`, () => {
  it('never shows a count of 1 to 4, and shows every other count as a multiple of 5 within 2 of it', () => {
    fc.assert(
      fc.property(count, (n) => {
        const shown = shownCount(n, 'reporting');
        if (n >= 1 && n <= 4) return shown.value === null && shown.text === SUPPRESSED;
        return shown.value !== null && shown.value % 5 === 0 && Math.abs(shown.value - n) <= 2 && shown.text === String(shown.value) && (n === 0) === (shown.value === 0);
      }),
      params,
    );
  });

  it('never reveals a suppressed count by rounding: no shown value is between 1 and 4, and a non-zero count never shows as 0', () => {
    fc.assert(fc.property(count, (n) => {
      const v = shownCount(n, 'reporting').value;
      return v === null || v === 0 ? (v === null ? n >= 1 && n <= 4 : n === 0) : v >= 5;
    }), params);
  });

  it('shows exact counts for handover', () => {
    fc.assert(fc.property(count, (n) => shownCount(n, 'handover').value === n && shownCount(n, 'handover').text === String(n)), params);
  });

  it('suppresses a percentage whose numerator or denominator is under 5, and otherwise rounds the exact ratio', () => {
    fc.assert(
      fc.property(count, count, (a, b) => {
        const [part, whole] = a <= b ? [a, b] : [b, a];
        const shown = shownPercentage(part, whole, 'reporting');
        if (part < 5 || whole < 5) return shown.text === SUPPRESSED && shown.value === null;
        return shown.value === Math.round((part / whole) * 100) && shown.text === `${shown.value}%`;
      }),
      params,
    );
  });

  it('hides a statistic over 1 to 4 calls from reporting, never from handover', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 10_000 }), (over, value) => {
      const r = shownStatistic(value, over, 'reporting');
      return (over >= 1 && over <= 4 ? r === SUPPRESSED : r === value) && shownStatistic(value, over, 'handover') === value;
    }), params);
  });

  it('refuses what is not a count', () => {
    expect(() => shownCount(-1, 'reporting')).toThrow(RangeError);
    expect(() => shownCount(2.5, 'reporting')).toThrow(RangeError);
  });

  it('rounds at the edges as the rule says', () => {
    expect([0, 1, 4, 5, 7, 8, 12, 13, 1_000_002].map((n) => shownCount(n, 'reporting').text)).toEqual(['0', '*', '*', '5', '5', '10', '10', '15', '1000000']);
    expect(shownPercentage(5, 5, 'reporting').text).toBe('100%');
    expect(shownPercentage(0, 0, 'handover').text).toBe('–');
  });
});
