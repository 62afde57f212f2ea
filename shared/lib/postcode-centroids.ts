import { parse } from 'csv-parse/sync';
import type { PostcodePlace, SearchOrigin } from '../contract/directory';
import { CoreError } from '../contract/errors';
import { isNorthernIrelandDistrict, NATIONS, nationOfCountry, type Nation } from '../domain/nations';
import { distanceKm } from './geo';
import { parsePostcodeQuery } from './postcode';

export interface Centroid {
  lat: number;
  lon: number;
  /** 90% of the postcodes lie within this many km of the centroid. */
  radiusKm: number | null;
  /** The nations its postcodes lie in (a few districts straddle the border of England and Wales). */
  nations: Nation[];
}

/** A postcode placed: its position (none for Northern Ireland, which the tables do not hold) and its nation. */
export interface LocatedPostcode {
  origin: SearchOrigin | null;
  place: PostcodePlace;
}

/** What a directory search needs of the centroids: a postcode's position and nation. */
export interface PostcodeLookup {
  lookup(input: string): SearchOrigin;
  locate(input: string): LocatedPostcode;
}

/**
 * Postcode → position from the sector and district centroid tables (OS Code-Point Open), sector
 * first. The tables are loaded by whoever has a file system (the core, the server) and handed in.
 */
export class PostcodeCentroids implements PostcodeLookup {
  private readonly districts: ReadonlyMap<string, Centroid>;

  constructor(
    private readonly sectors: ReadonlyMap<string, Centroid>,
    districts: ReadonlyMap<string, Centroid>,
  ) {
    this.districts = withSplitDistricts(districts);
  }

  hasDistrict(district: string): boolean {
    return this.districts.has(district);
  }

  /**
   * The postcode's position. Throws postcode_invalid when the text cannot be a postcode,
   * postcode_not_found when it is not in the tables (Northern Ireland's included: use locate).
   */
  lookup(input: string): SearchOrigin {
    const located = this.locate(input);
    if (located.origin) return located.origin;
    throw new CoreError('postcode_not_found', `${located.place.label} is in Northern Ireland: this desk has no positions or services there.`, [
      { field: 'postcode', message: 'In Northern Ireland' },
    ]);
  }

  /**
   * The postcode's position and nation: sector first, then district. A Northern Ireland postcode
   * (BT) is placed in its nation without a position. Throws as lookup does for anything else unknown.
   */
  locate(input: string): LocatedPostcode {
    const readings = parsePostcodeQuery(input);
    if (readings.length === 0) {
      throw new CoreError('postcode_invalid', `“${input.trim().slice(0, 12)}” is not a postcode. Enter a full postcode (SE5 8AZ), a sector (SE5 8) or a district (SE5).`, [
        { field: 'postcode', message: 'Not a postcode' },
      ]);
    }
    for (const r of readings) {
      if (r.kind !== 'district') {
        const s = this.sectors.get(r.sector);
        if (s) return located(r.kind === 'full' ? r.postcode : r.sector, r.district, s, 'sector');
      }
      const d = this.districts.get(r.district);
      if (d) return located(r.kind === 'full' ? r.postcode : r.district, r.district, d, 'district');
    }
    const first = readings[0]!;
    if (isNorthernIrelandDistrict(first.district)) {
      return { origin: null, place: { label: first.kind === 'full' ? first.postcode : first.kind === 'sector' ? first.sector : first.district, nations: ['northern_ireland'] } };
    }
    throw new CoreError('postcode_not_found', `${input.trim().toUpperCase().slice(0, 12)} is not a known postcode in Great Britain. Check it with the caller, or search by town name instead.`, [
      { field: 'postcode', message: 'Unknown postcode' },
    ]);
  }
}

function located(label: string, district: string, c: Centroid, precision: 'sector' | 'district'): LocatedPostcode {
  return { origin: { label, district, lat: c.lat, lon: c.lon, precision, radiusKm: c.radiusKm }, place: { label, nations: c.nations } };
}

/**
 * Central London districts such as W1, SW1 and EC1 are split into sub-districts (W1A … W1W) and
 * have no row of their own, yet people say "W1". Each such parent gets the mean of its parts, and a
 * radius that reaches the farthest part.
 */
function withSplitDistricts(districts: ReadonlyMap<string, Centroid>): Map<string, Centroid> {
  const parts = new Map<string, Centroid[]>();
  for (const [code, c] of districts) {
    const parent = /^([A-Z]{1,2}\d)[A-Z]$/.exec(code)?.[1];
    if (parent && !districts.has(parent)) parts.set(parent, [...(parts.get(parent) ?? []), c]);
  }
  const out = new Map(districts);
  for (const [parent, list] of parts) {
    const lat = list.reduce((a, c) => a + c.lat, 0) / list.length;
    const lon = list.reduce((a, c) => a + c.lon, 0) / list.length;
    const radiusKm = Math.max(...list.map((c) => distanceKm(lat, lon, c.lat, c.lon) + (c.radiusKm ?? 0)));
    out.set(parent, { lat, lon, radiusKm: Math.round(radiusKm * 100) / 100, nations: nationsIn(list.flatMap((c) => c.nations)) });
  }
  return out;
}

/** Each nation once, in the order of NATIONS (England first). */
function nationsIn(list: Iterable<Nation>): Nation[] {
  const seen = new Set(list);
  return NATIONS.filter((n) => seen.has(n));
}

export const SECTORS_FILE = 'gb_postcode_sectors_codepointopen_2025-10.csv';
export const DISTRICTS_FILE = 'gb_postcode_districts_codepointopen_2025-10.csv';

function tableFromCsv(csv: string, keyColumn: string): Map<string, Centroid> {
  const rows = parse(csv, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const table = new Map<string, Centroid>();
  for (const r of rows) {
    // Rows without coordinates have no located postcode: treat them as unknown.
    if (!r.latitude || !r.longitude) continue;
    const nation = nationOfCountry(r.country);
    table.set(r[keyColumn]!, { lat: Number(r.latitude), lon: Number(r.longitude), radiusKm: r.p90_radius_km ? Number(r.p90_radius_km) : null, nations: nation ? [nation] : [] });
  }
  return table;
}

/**
 * A district's nations are those of its sectors: the district table names one country per
 * district, yet CH4, HR3, NP16, SY10 and SY13 have sectors on both sides of the Welsh border.
 */
function withSectorNations(districts: Map<string, Centroid>, sectors: ReadonlyMap<string, Centroid>): Map<string, Centroid> {
  const bySector = new Map<string, Nation[]>();
  for (const [code, c] of sectors) {
    const district = code.split(' ')[0]!;
    const list = bySector.get(district);
    if (list) list.push(...c.nations);
    else bySector.set(district, [...c.nations]);
  }
  for (const [code, c] of districts) {
    const fromSectors = bySector.get(code);
    if (fromSectors?.length) districts.set(code, { ...c, nations: nationsIn(fromSectors) });
  }
  return districts;
}

/** Builds the lookup from the text of the two CSV files in data/geo (SECTORS_FILE, DISTRICTS_FILE). */
export function postcodeCentroidsFromCsv(sectorsCsv: string, districtsCsv: string): PostcodeCentroids {
  const sectors = tableFromCsv(sectorsCsv, 'sector');
  return new PostcodeCentroids(sectors, withSectorNations(tableFromCsv(districtsCsv, 'outcode'), sectors));
}
