import { describe, expect, it } from 'vitest';
import { areaOfDistrict, parsePostcodeQuery } from './postcode';

describe('parsePostcodeQuery', () => {
  it('reads a full postcode with its sector and district', () => {
    expect(parsePostcodeQuery('SE5 8AZ')).toEqual([{ kind: 'full', postcode: 'SE5 8AZ', sector: 'SE5 8', district: 'SE5' }]);
    expect(parsePostcodeQuery('SW1A 1AA')).toEqual([{ kind: 'full', postcode: 'SW1A 1AA', sector: 'SW1A 1', district: 'SW1A' }]);
    expect(parsePostcodeQuery('M1 1AE')).toEqual([{ kind: 'full', postcode: 'M1 1AE', sector: 'M1 1', district: 'M1' }]);
  });

  it('accepts lower case, no space, extra spaces and a dash the same way', () => {
    const expected = [{ kind: 'full', postcode: 'SE5 8AZ', sector: 'SE5 8', district: 'SE5' }];
    for (const input of ['se5 8az', 'se58az', 'SE58AZ', '  sE5   8aZ  ', 'SE5-8AZ', '\tse5 8az\n']) {
      expect(parsePostcodeQuery(input), input).toEqual(expected);
    }
    expect(parsePostcodeQuery('ec1a1bb')).toEqual([{ kind: 'full', postcode: 'EC1A 1BB', sector: 'EC1A 1', district: 'EC1A' }]);
  });

  it('reads a partial sector written with a space as that sector only', () => {
    expect(parsePostcodeQuery('SE5 8')).toEqual([{ kind: 'sector', sector: 'SE5 8', district: 'SE5' }]);
    expect(parsePostcodeQuery(' se5   8 ')).toEqual([{ kind: 'sector', sector: 'SE5 8', district: 'SE5' }]);
    // With the space the reading is not ambiguous: "B3 3" is never district B33.
    expect(parsePostcodeQuery('B3 3')).toEqual([{ kind: 'sector', sector: 'B3 3', district: 'B3' }]);
  });

  it('reads a district', () => {
    expect(parsePostcodeQuery('SE5')).toEqual([{ kind: 'district', district: 'SE5' }]);
    expect(parsePostcodeQuery('sw1a')).toEqual([{ kind: 'district', district: 'SW1A' }]);
    expect(parsePostcodeQuery('M1')).toEqual([{ kind: 'district', district: 'M1' }]);
  });

  it('offers both readings of an ambiguous partial without a space, district first', () => {
    expect(parsePostcodeQuery('B33')).toEqual([
      { kind: 'district', district: 'B33' },
      { kind: 'sector', sector: 'B3 3', district: 'B3' },
    ]);
    expect(parsePostcodeQuery('w11')).toEqual([
      { kind: 'district', district: 'W11' },
      { kind: 'sector', sector: 'W1 1', district: 'W1' },
    ]);
  });

  it('keeps the sector while the rest of a full postcode is being typed', () => {
    expect(parsePostcodeQuery('SE5 8A')).toEqual([{ kind: 'sector', sector: 'SE5 8', district: 'SE5' }]);
    expect(parsePostcodeQuery('se58a')).toEqual([{ kind: 'sector', sector: 'SE5 8', district: 'SE5' }]);
  });

  it('reads a no-space partial that can only be a sector as a sector', () => {
    expect(parsePostcodeQuery('B331')).toEqual([{ kind: 'sector', sector: 'B33 1', district: 'B33' }]);
    expect(parsePostcodeQuery('SW1A1')).toEqual([{ kind: 'sector', sector: 'SW1A 1', district: 'SW1A' }]);
  });

  it('returns no reading for an area alone, garbage or the wrong length', () => {
    for (const input of ['SE', 'se', 'N', '', '   ', 'hello', 'HELLO WORLD', '12345', '5E5 8AZ', 'SE5 8AZX', 'SE5 88', 'SE 58', '!!!']) {
      expect(parsePostcodeQuery(input), JSON.stringify(input)).toEqual([]);
    }
  });
});

describe('areaOfDistrict', () => {
  it('is the letters of the district', () => {
    expect(areaOfDistrict('SE5')).toBe('SE');
    expect(areaOfDistrict('SW1A')).toBe('SW');
    expect(areaOfDistrict('M1')).toBe('M');
  });
});
