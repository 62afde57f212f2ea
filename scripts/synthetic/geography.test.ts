import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENGLAND_BOUNDS, Geography, loadEnglandSectors, type SectorCentroid } from './geography';
import { tidyAuthorityName } from './place-names';
import { Random } from './random';

const GEO_DIR = path.resolve(import.meta.dirname, '../../data/geo');

let sectors: SectorCentroid[];
let geography: Geography;

beforeAll(() => {
  sectors = loadEnglandSectors(GEO_DIR);
  geography = new Geography(sectors);
});

describe('loadEnglandSectors', () => {
  it("loads England's geographic sectors only, each with a position, a weight and mostly an authority", () => {
    expect(sectors.length).toBeGreaterThan(7000);
    const bySector = new Map(sectors.map((s) => [s.sector, s]));
    expect(bySector.get('SE5 8')).toMatchObject({ district: 'SE5', authority: 'Southwark' });
    expect(bySector.has('AB10 1')).toBe(false); // Scotland
    expect(bySector.has('BD98 1')).toBe(false); // no coordinates
    for (const s of sectors) {
      expect(s.lat).toBeGreaterThan(ENGLAND_BOUNDS.minLat);
      expect(s.lat).toBeLessThan(ENGLAND_BOUNDS.maxLat);
      expect(s.lon).toBeGreaterThan(ENGLAND_BOUNDS.minLon);
      expect(s.lon).toBeLessThan(ENGLAND_BOUNDS.maxLon);
      expect(s.postcodes).toBeGreaterThan(0);
    }
    expect(sectors.filter((s) => s.authority).length / sectors.length).toBeGreaterThan(0.98);
  });
});

describe('Geography', () => {
  it('draws populous sectors more often', () => {
    const rng = Random.stream(3);
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const s = geography.sampleSector(rng);
      counts.set(s.district, (counts.get(s.district) ?? 0) + 1);
    }
    // Birmingham's districts hold far more postcodes than the Isles of Scilly.
    const b = [...counts].filter(([d]) => /^B\d/.test(d)).reduce((n, [, c]) => n + c, 0);
    expect(b).toBeGreaterThan(200);
    expect(counts.get('TR21') ?? 0).toBeLessThan(10);
  });

  it('lists a district first, then its nearest neighbours', () => {
    const near = geography.nearbyDistricts('SE5', 6);
    expect(near[0]).toBe('SE5');
    expect(new Set(near).size).toBe(6);
    for (const d of near) expect(d).toMatch(/^(SE|SW)\d/);
  });

  it('names places by neighbourhood, post town or authority', () => {
    const rng = Random.stream(5);
    const names = new Set(Array.from({ length: 50 }, () => geography.localPlace('SE5', rng)));
    expect(names).toEqual(new Set(['Camberwell', 'Southwark']));
    expect(geography.authorityOf('LS1')).toBe('Leeds');
    expect(tidyAuthorityName('City of Bristol')).toBe('Bristol');
    expect(tidyAuthorityName('St. Albans')).toBe('St Albans');
  });
});
