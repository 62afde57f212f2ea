import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CoreError } from '../../../shared/contract';
import { nationOfCountry } from '../../../shared/domain/nations';
import { DISTRICTS_FILE, SECTORS_FILE } from '../../../shared/lib/postcode-centroids';
import { loadPostcodeCentroids } from './postcode-centroids';

const GEO_DIR = path.resolve(import.meta.dirname, '../../../data/geo');
const centroids = loadPostcodeCentroids(GEO_DIR);
const rows = (file: string) => parse(readFileSync(path.join(GEO_DIR, file), 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];

function errorOf(f: () => unknown): CoreError | null {
  try {
    f();
    return null;
  } catch (e) {
    return e as CoreError;
  }
}

describe('the nation of a postcode', () => {
  it('places every sector of Great Britain in the nation the table gives it', () => {
    let checked = 0;
    for (const r of rows(SECTORS_FILE)) {
      if (!r.latitude) continue;
      const expected = nationOfCountry(r.country);
      expect(expected, r.sector).not.toBeNull();
      expect(centroids.locate(r.sector!).place, r.sector).toEqual({ label: r.sector, nations: [expected] });
      checked++;
    }
    expect(checked).toBeGreaterThan(10_000);
  });

  it('places every district in the nations of its sectors: both for the five that cross the Welsh border', () => {
    const sectorNations = new Map<string, Set<string>>();
    for (const r of rows(SECTORS_FILE)) {
      if (!r.latitude) continue;
      const d = r.sector!.split(' ')[0]!;
      sectorNations.set(d, (sectorNations.get(d) ?? new Set()).add(nationOfCountry(r.country)!));
    }
    const mixed: string[] = [];
    for (const r of rows(DISTRICTS_FILE)) {
      if (!r.latitude) continue;
      const nations = centroids.locate(r.outcode!).place.nations;
      const expected = sectorNations.get(r.outcode!) ?? new Set([nationOfCountry(r.country)!]);
      expect(new Set(nations), r.outcode).toEqual(expected);
      if (nations.length > 1) mixed.push(r.outcode!);
    }
    expect(mixed.sort()).toEqual(['CH4', 'HR3', 'NP16', 'SY10', 'SY13']);
    expect(centroids.locate('SY10').place.nations).toEqual(['england', 'wales']);
  });

  it('reads a full postcode by its sector, so a border district is told apart', () => {
    expect(centroids.locate('SY10 0AB').place).toEqual({ label: 'SY10 0AB', nations: ['wales'] });
    expect(centroids.locate('sy107ab').place).toEqual({ label: 'SY10 7AB', nations: ['england'] });
    expect(centroids.locate('DG1 1AA').place.nations).toEqual(['scotland']);
    expect(centroids.locate('cf10 1ep').place.nations).toEqual(['wales']);
    expect(centroids.locate('TD15 1AA').place.nations).toEqual(['england']); // Berwick-upon-Tweed
    expect(centroids.locate('TD9 7AA').place.nations).toEqual(['scotland']); // Hawick
    expect(centroids.locate('SE5 8AZ')).toMatchObject({ origin: { label: 'SE5 8AZ', precision: 'sector' }, place: { nations: ['england'] } });
    expect(centroids.locate('W1').place.nations).toEqual(['england']); // a split central London district
  });

  it('places every Northern Ireland postcode (BT, not in the tables) in Northern Ireland, without a position', () => {
    for (let n = 1; n <= 94; n++) {
      for (const input of [`BT${n}`, `bt${n} 1`, `BT${n} 1AA`, `bt${n}1aa`]) {
        const located = centroids.locate(input);
        expect(located.origin, input).toBeNull();
        expect(located.place.nations, input).toEqual(['northern_ireland']);
      }
    }
    expect(centroids.locate('bt71nn').place.label).toBe('BT7 1NN');
    // The position alone cannot be given: the message says why.
    const e = errorOf(() => centroids.lookup('BT7 1NN'));
    expect(e?.code).toBe('postcode_not_found');
    expect(e?.message).toContain('Northern Ireland');
  });

  it('still refuses what is not a postcode, and what is not known', () => {
    expect(errorOf(() => centroids.locate('hello'))?.code).toBe('postcode_invalid');
    expect(errorOf(() => centroids.locate('ZZ9 9ZZ'))?.code).toBe('postcode_not_found');
    expect(errorOf(() => centroids.locate('JE2 3AB'))?.code).toBe('postcode_not_found');
  });
});
