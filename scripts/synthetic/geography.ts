import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { DISTRICTS_FILE, SECTORS_FILE } from '../../shared/lib/postcode-centroids';
import { areaOf, LONDON_NEIGHBOURHOODS, POST_TOWNS, tidyAuthorityName } from './place-names';
import type { Random } from './random';

/** A real postcode sector centroid (OS Code-Point Open) that services can be placed at. */
export interface SectorCentroid {
  /** "SE5 8" */
  sector: string;
  /** "SE5" */
  district: string;
  lat: number;
  lon: number;
  /** How many postcodes the sector has: a stand-in for how many people live there. */
  postcodes: number;
  /** The local authority the district lies in, tidied ("Southwark", "Bristol"); '' when unknown. */
  authority: string;
}

/** England's sectors with coordinates, skipping PO-box and other non-geographic sectors. */
export function loadEnglandSectors(geoDir: string): SectorCentroid[] {
  const read = (file: string) => parse(readFileSync(path.join(geoDir, file)), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const authorities = new Map<string, string>();
  for (const d of read(DISTRICTS_FILE)) if (d.country === 'England' && d.admin_district_name) authorities.set(d.outcode!, tidyAuthorityName(d.admin_district_name));
  const sectors: SectorCentroid[] = [];
  for (const r of read(SECTORS_FILE)) {
    if (r.country !== 'England' || r.flag || !r.latitude || !r.longitude) continue;
    const sector = r.sector!;
    const district = sector.split(' ')[0]!;
    sectors.push({ sector, district, lat: Number(r.latitude), lon: Number(r.longitude), postcodes: Number(r.n_postcodes) || 1, authority: authorities.get(district) ?? '' });
  }
  return sectors;
}

/** England's extent, with a margin for the Isles of Scilly and jitter. */
export const ENGLAND_BOUNDS = { minLat: 49.8, maxLat: 55.9, minLon: -6.5, maxLon: 1.8 } as const;

const KM_PER_DEGREE_LAT = 111.2;

/** Fast enough and accurate enough at the scale of neighbouring districts. */
function approxKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const x = (lon2 - lon1) * Math.cos(((lat1 + lat2) / 2) * (Math.PI / 180));
  return Math.hypot(x, lat2 - lat1) * KM_PER_DEGREE_LAT;
}

interface District {
  code: string;
  lat: number;
  lon: number;
  postcodes: number;
  authority: string;
}

/** Districts within this distance of a post town's centre may be named after the town. */
const TOWN_RADIUS_KM = 12;

/** How many neighbouring districts are kept per district for coverage areas. */
const NEIGHBOURS_KEPT = 40;

/**
 * Sampling of places in proportion to population, neighbouring districts for coverage areas, and
 * place names, all built once from the sector table.
 */
export class Geography {
  private readonly cumulative: Float64Array;
  private readonly districts: District[];
  private readonly districtIndex = new Map<string, number>();
  private readonly neighbours = new Map<number, string[]>();
  private readonly authoritiesByArea = new Map<string, string[]>();
  private readonly sectorsByDistrict = new Map<string, SectorCentroid[]>();
  /** The most populous district of each postcode area: where its post town is. */
  private readonly areaCentres = new Map<string, District>();

  constructor(readonly sectors: readonly SectorCentroid[]) {
    if (sectors.length === 0) throw new Error('No postcode sectors to place services at');
    this.cumulative = new Float64Array(sectors.length);
    let total = 0;
    sectors.forEach((s, i) => (this.cumulative[i] = total += s.postcodes));

    const byDistrict = new Map<string, District>();
    const areaWeights = new Map<string, Map<string, number>>();
    for (const s of sectors) {
      const d = byDistrict.get(s.district) ?? { code: s.district, lat: 0, lon: 0, postcodes: 0, authority: s.authority };
      d.lat += s.lat * s.postcodes;
      d.lon += s.lon * s.postcodes;
      d.postcodes += s.postcodes;
      byDistrict.set(s.district, d);
      const inDistrict = this.sectorsByDistrict.get(s.district) ?? [];
      inDistrict.push(s);
      this.sectorsByDistrict.set(s.district, inDistrict);
      if (s.authority) {
        const w = areaWeights.get(areaOf(s.district)) ?? new Map<string, number>();
        w.set(s.authority, (w.get(s.authority) ?? 0) + s.postcodes);
        areaWeights.set(areaOf(s.district), w);
      }
    }
    this.districts = [...byDistrict.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    this.districts.forEach((d, i) => {
      d.lat /= d.postcodes;
      d.lon /= d.postcodes;
      this.districtIndex.set(d.code, i);
      const centre = this.areaCentres.get(areaOf(d.code));
      if (!centre || d.postcodes > centre.postcodes) this.areaCentres.set(areaOf(d.code), d);
    });
    for (const [area, w] of areaWeights) this.authoritiesByArea.set(area, [...w.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name]) => name));
  }

  /** A sector chosen with probability proportional to its number of postcodes. */
  sampleSector(rng: Random): SectorCentroid {
    const target = rng.float() * this.cumulative[this.cumulative.length - 1]!;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return this.sectors[lo]!;
  }

  /** The district itself and then its nearest neighbours by centroid, up to `count` codes. */
  nearbyDistricts(district: string, count: number): string[] {
    const i = this.districtIndex.get(district);
    if (i === undefined) return [district];
    let list = this.neighbours.get(i);
    if (!list) {
      list = this.computeNeighbours(i);
      this.neighbours.set(i, list);
    }
    return list.slice(0, Math.min(count, list.length));
  }

  private computeNeighbours(i: number): string[] {
    const from = this.districts[i]!;
    const best: { code: string; km: number }[] = [];
    for (const d of this.districts) {
      const km = d === from ? -1 : approxKm(from.lat, from.lon, d.lat, d.lon);
      if (best.length === NEIGHBOURS_KEPT && km >= best[best.length - 1]!.km) continue;
      let at = best.length;
      while (at > 0 && best[at - 1]!.km > km) at--;
      best.splice(at, 0, { code: d.code, km });
      if (best.length > NEIGHBOURS_KEPT) best.pop();
    }
    return best.map((b) => b.code);
  }

  /** A sector in the same or a neighbouring district, for a service's second or third site. */
  sectorNear(district: string, rng: Random): SectorCentroid {
    const near = rng.pick(this.nearbyDistricts(district, 6));
    return rng.pick(this.sectorsByDistrict.get(near) ?? this.sectorsByDistrict.get(district)!);
  }

  /** The local authority of a district, or its post town when the table has none. */
  authorityOf(district: string): string {
    const i = this.districtIndex.get(district);
    const authority = i === undefined ? '' : this.districts[i]!.authority;
    return authority || POST_TOWNS[areaOf(district)] || district;
  }

  /** Local authorities of a postcode area, most populous first. */
  authoritiesOfArea(area: string): string[] {
    return this.authoritiesByArea.get(area) ?? [];
  }

  /**
   * The post town of the district's postcode area when the district is close enough to the town to
   * be known by it (CV1 is Coventry; CV37, 30 km away, is not); '' otherwise and in London.
   */
  private postTownOf(district: string): string {
    const area = areaOf(district);
    const town = POST_TOWNS[area];
    const i = this.districtIndex.get(district);
    const centre = this.areaCentres.get(area);
    if (!town || town === 'London' || i === undefined || !centre) return '';
    const d = this.districts[i]!;
    return approxKm(d.lat, d.lon, centre.lat, centre.lon) <= TOWN_RADIUS_KM ? town : '';
  }

  /** The town a hospital or similar landmark would be named after: neighbourhood, post town or authority. */
  townOf(district: string): string {
    return LONDON_NEIGHBOURHOODS[district] || this.postTownOf(district) || this.authorityOf(district);
  }

  /**
   * The name a local site would be known by: a London neighbourhood (Camberwell), the post town
   * (Harrogate) or the local authority (North Yorkshire).
   */
  localPlace(district: string, rng: Random): string {
    const neighbourhood = LONDON_NEIGHBOURHOODS[district];
    if (neighbourhood && rng.chance(0.8)) return neighbourhood;
    const town = this.postTownOf(district);
    if (town && rng.chance(0.5)) return town;
    return this.authorityOf(district);
  }
}

/** A point a short random distance (up to maxKm) from the given one, rounded to about a metre. */
export function jitter(lat: number, lon: number, rng: Random, maxKm = 0.4): { lat: number; lon: number } {
  const km = maxKm * Math.sqrt(rng.float());
  const angle = rng.float() * 2 * Math.PI;
  const dLat = (km * Math.cos(angle)) / KM_PER_DEGREE_LAT;
  const dLon = (km * Math.sin(angle)) / (KM_PER_DEGREE_LAT * Math.cos(lat * (Math.PI / 180)));
  const round5 = (x: number) => Math.round(x * 1e5) / 1e5;
  return { lat: round5(lat + dLat), lon: round5(lon + dLon) };
}
