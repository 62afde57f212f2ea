import { parse, validOutcode } from 'postcode';

/** A caller location typed by the clinician: a full postcode, a sector ("SE5 8") or a district ("SE5"). */
export type PostcodeQuery =
  | { kind: 'full'; postcode: string; sector: string; district: string }
  | { kind: 'sector'; sector: string; district: string }
  | { kind: 'district'; district: string };

/**
 * Every reading of the input, most likely first; [] when it cannot be a postcode. Without a space
 * a partial is ambiguous ("B33" is district B33 or sector "B3 3"): the caller looks each reading up
 * in turn and keeps the first that exists.
 */
export function parsePostcodeQuery(input: string): PostcodeQuery[] {
  const compact = input.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (compact.length < 2 || compact.length > 7) return [];
  const full = parse(compact);
  if (full.valid) return [{ kind: 'full', postcode: full.postcode, sector: full.sector, district: full.outcode }];

  const spaced = input.toUpperCase().trim().replace(/\s+/g, ' ');
  if (spaced.includes(' ')) {
    // "SE5 8A": a postcode typed as far as its sector and one letter still reads as the sector.
    const m = /^(\S+) (\d)[A-Z]?$/.exec(spaced);
    return m && validOutcode(m[1]!) ? [{ kind: 'sector', sector: `${m[1]} ${m[2]}`, district: m[1]! }] : [];
  }
  const readings: PostcodeQuery[] = [];
  if (validOutcode(compact)) readings.push({ kind: 'district', district: compact });
  const sector = /^(.+)(\d)[A-Z]?$/.exec(compact);
  if (sector && validOutcode(sector[1]!)) readings.push({ kind: 'sector', sector: `${sector[1]} ${sector[2]}`, district: sector[1]! });
  return readings;
}

/** The postcode area ("SE" of "SE5 8AZ"), used for coverage lists that name whole areas. */
export function areaOfDistrict(district: string): string {
  return /^[A-Z]+/.exec(district)?.[0] ?? district;
}
