import { describe, expect, it } from 'vitest';
import { formatNhsNumber, isValidNhsNumber, nhsNumberProblem, normaliseNhsNumber } from './nhs-number';

/** The modulus 11 sum of the first nine digits, as the NHS number standard defines it. */
const weightedSum = (nine: string) => [...nine].reduce((sum, d, i) => sum + Number(d) * (10 - i), 0);

describe('NHS number', () => {
  it('accepts valid numbers', () => {
    // 943 476 5919 is the NHS's own published example; the others were worked by hand.
    for (const n of ['9434765919', '943 476 5919', '4010232137', '401 023 2137']) expect(isValidNhsNumber(n), n).toBe(true);
  });

  it('accepts spaces and dashes anywhere', () => {
    expect(isValidNhsNumber('943-476-5919')).toBe(true);
    expect(isValidNhsNumber(' 943 476 5919 ')).toBe(true);
    expect(isValidNhsNumber('94 34 76 59 19')).toBe(true);
    expect(normaliseNhsNumber('943-476 5919')).toBe('9434765919');
  });

  it('rejects every wrong check digit', () => {
    for (let d = 0; d <= 9; d++) {
      if (d === 9) continue;
      expect(isValidNhsNumber(`943476591${d}`), `check digit ${d}`).toBe(false);
    }
  });

  it('rejects a number whose check digit would be 10, whatever its last digit', () => {
    // 11 - (sum mod 11) = 10 when sum mod 11 = 1: no digit can stand for 10, so no such number is issued.
    for (const prefix of ['000000006', '123456789']) {
      expect(weightedSum(prefix) % 11, prefix).toBe(1);
      for (let d = 0; d <= 9; d++) expect(isValidNhsNumber(`${prefix}${d}`), `${prefix}${d}`).toBe(false);
    }
  });

  it('treats a check result of 11 as check digit 0', () => {
    expect(weightedSum('000000000') % 11).toBe(0);
    expect(isValidNhsNumber('0000000000')).toBe(true);
    expect(isValidNhsNumber('0000000001')).toBe(false);
    // 200000000: sum 20, 20 mod 11 = 9, check 11 - 9 = 2.
    expect(isValidNhsNumber('2000000002')).toBe(true);
    // 110000000: sum 10 + 9 = 19, 19 mod 11 = 8, check 3.
    expect(isValidNhsNumber('1100000003')).toBe(true);
  });

  it('rejects the wrong shape', () => {
    for (const n of ['', '943476591', '94347659190', '943476591X', 'abcdefghij', '943.476.5919', '943_476_5919']) {
      expect(isValidNhsNumber(n), n).toBe(false);
      expect(normaliseNhsNumber(n), n).toBeNull();
    }
  });

  it('formats ten digits as 3-3-4', () => {
    expect(formatNhsNumber('9434765919')).toBe('943 476 5919');
  });

  describe('what is wrong with it, in one sentence for its field', () => {
    it('says nothing of a blank or valid number, however it is spaced', () => {
      for (const n of ['', '   ', '9434765919', '943 476 5919', '943-476-5919', ' 94 34 76 59 19 ']) expect(nhsNumberProblem(n), n).toBeNull();
    });

    it('names letters and other characters, which are never part of an NHS number', () => {
      for (const n of ['943476591X', 'abc', '943.476.5919', '943_476_5919', '９４３４７６５９１９']) expect(nhsNumberProblem(n), n).toMatch(/10 digits only: remove the letters/);
    });

    it('counts the digits when there are not ten', () => {
      expect(nhsNumberProblem('943 476 591')).toBe('An NHS number has 10 digits; this has 9. Check it with the caller.');
      expect(nhsNumberProblem('94347659190')).toMatch(/this has 11\./);
      expect(nhsNumberProblem('1')).toMatch(/this has 1\./);
    });

    it('says the check digit does not match for ten digits that fail the check, and only then', () => {
      expect(nhsNumberProblem('943 476 5910')).toMatch(/not a valid NHS number \(its last digit does not match/);
      expect(nhsNumberProblem('1234567890')).toMatch(/not a valid NHS number/);
    });
  });
});
