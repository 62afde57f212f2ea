import type { ServiceLocation } from '../../shared/domain/directory';
import { jitter, type SectorCentroid } from './geography';
import type { Random } from './random';

const STREETS = [
  'High Street', 'Station Road', 'Church Street', 'Victoria Road', 'Park Road', 'Mill Lane', 'London Road', 'Queen Street',
  'King Street', 'Market Place', 'North Road', 'Albert Road', 'Chapel Street', 'Bridge Street', 'Green Lane', 'Mount Pleasant',
  'The Crescent', 'Grange Road', 'Manor Road', 'Springfield Road', 'Clarence Street', 'Union Street', 'Castle Street',
];

const BUILDINGS = [
  'The Old Library', 'Community Hub', 'Resource Centre', "St Mark's Church Hall", 'The Wellbeing Centre', 'Riverside House',
  'The Lighthouse', 'Unit 4, The Arches', 'Trinity Centre', 'Beacon House', 'The Corner House', 'Willow Lodge',
];

const HOSPITAL_STYLES = [
  (p: string) => `${p} General Hospital`,
  (p: string) => `${p} Royal Infirmary`,
  (p: string) => `${p} University Hospital`,
  (p: string) => `${p} District Hospital`,
  (p: string) => `${p} Royal Hospital`,
];

/** Letters that can end a UK postcode (the unit): no C, I, K, M, O or V. */
const UNIT_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

/** A full postcode in the sector: "SE5 8" → "SE5 8QT". Plausible in form; not checked against the real list. */
export function postcodeIn(sector: string, rng: Random): string {
  return `${sector}${UNIT_LETTERS[rng.int(0, UNIT_LETTERS.length - 1)]}${UNIT_LETTERS[rng.int(0, UNIT_LETTERS.length - 1)]}`;
}

export function hospitalName(place: string, rng: Random): string {
  return rng.pick(HOSPITAL_STYLES)(place);
}

export interface SiteOptions {
  id: string;
  sector: SectorCentroid;
  place: string;
  /** The site's own name; a generic building name when absent. */
  name?: string;
}

/** A site a few hundred metres from the sector centroid, with an address in the sector. */
export function site(opts: SiteOptions, rng: Random): ServiceLocation {
  const { lat, lon } = jitter(opts.sector.lat, opts.sector.lon, rng);
  const building = opts.name ?? rng.pick(BUILDINGS);
  const street = `${rng.int(1, 240)} ${rng.pick(STREETS)}`;
  return { id: opts.id, name: building, address: `${building}, ${street}, ${opts.place}`, postcode: postcodeIn(opts.sector.sector, rng), lat, lon };
}
