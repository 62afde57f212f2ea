import { parse as parsePostcode } from 'postcode';
import type { ServiceLocation } from '../../../shared/domain/directory';
import type { PostcodeCentroids } from '../../../shared/lib/postcode-centroids';
import { readText } from './clean-text';
import type { RecordDefects } from './defects';
import type { FeedAddress, FeedLocation, FeedService } from './feed-model';
import { quote } from './json-values';

/*
 * Sites with a position. Coordinates are used when they are a real position in the UK; swapped
 * latitude/longitude is put right; otherwise (missing, impossible, abroad) the site is placed at
 * its postcode's sector centroid, reported as repaired. A site with neither is left out with a
 * warning, since distance search cannot place it. Virtual locations are not sites.
 */

export interface LocationContext {
  source: string;
  serviceId: string;
  centroids: PostcodeCentroids;
}

// The UK with its islands, generously: a position outside it is a data error for an NHS directory.
const inUk = (lat: number, lon: number) => lat >= 49.8 && lat <= 61 && lon >= -8.7 && lon <= 1.9;

function coordinate(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw)) return Number(raw);
  return null;
}

function postcodeOf(addresses: FeedAddress[], field: string, d: RecordDefects): string | undefined {
  const ordered = [...addresses].sort((a, b) => Number(b.addressType === 'physical') - Number(a.addressType === 'physical'));
  const rejected = new Set<string>();
  for (const a of ordered) {
    if (typeof a.postalCode !== 'string' && typeof a.postalCode !== 'number') continue;
    const parsed = parsePostcode(String(a.postalCode));
    if (parsed.valid) return parsed.postcode;
    if (rejected.has(String(a.postalCode))) continue;
    rejected.add(String(a.postalCode));
    d.warn(`${field}.postal_code`, `${quote(a.postalCode)} is not a UK postcode; left out.`);
  }
  return undefined;
}

function addressText(addresses: FeedAddress[]): string | undefined {
  const a = [...addresses].sort((x, y) => Number(y.addressType === 'physical') - Number(x.addressType === 'physical'))[0];
  if (!a) return undefined;
  const parts = [...a.lines, a.city, a.postalCode].filter((p) => typeof p === 'string' || typeof p === 'number').map((p) => String(p).trim());
  return parts.filter(Boolean).join(', ') || undefined;
}

function readLocation(l: FeedLocation, index: number, ctx: LocationContext, d: RecordDefects): ServiceLocation | null {
  const field = `locations[${index}]`;
  const rawId = typeof l.id === 'string' || typeof l.id === 'number' ? String(l.id).trim() : '';
  const label = rawId ? `Site ${rawId}` : `Site ${index + 1}`;
  const lat = coordinate(l.latitude);
  const lon = coordinate(l.longitude);
  const isVirtual = typeof l.locationType === 'string' && l.locationType.trim().toLowerCase() === 'virtual';
  if (isVirtual && (lat === null || lon === null)) return null;

  const postcode = postcodeOf(l.addresses, field, d);
  let position: { lat: number; lon: number } | null = null;
  let problem: string;
  if (lat === null || lon === null) problem = 'has no coordinates';
  else if (Math.abs(lat) > 90 || Math.abs(lon) > 180 || (lat === 0 && lon === 0)) problem = `has coordinates (${lat}, ${lon}) that are not a position on Earth`;
  else if (inUk(lat, lon)) {
    position = { lat, lon };
    problem = '';
  } else if (inUk(lon, lat)) {
    position = { lat: lon, lon: lat };
    d.repair(field, `${label} had its latitude and longitude swapped; put right.`);
    problem = '';
  } else problem = `has coordinates (${lat}, ${lon}) outside the UK`;

  if (!position) {
    if (!postcode) {
      d.warn(field, `${label} ${problem} and no known postcode, so it cannot be placed on the map; left out.`);
      return null;
    }
    try {
      const origin = ctx.centroids.lookup(postcode);
      position = { lat: origin.lat, lon: origin.lon };
      d.repair(field, `${label} ${problem}; placed at the centre of its postcode ${origin.precision} (${postcode}).`);
    } catch {
      d.warn(field, `${label} ${problem} and its postcode ${postcode} is not in the postcode tables; left out.`);
      return null;
    }
  }

  const prefixed = rawId ? `${ctx.source}:${rawId}` : '';
  const id = prefixed && prefixed.length <= 200 ? prefixed : `${ctx.serviceId}:site-${index + 1}`.slice(0, 200);
  const name = readText(l.name, `${field}.name`, 300, d);
  const address = readText(addressText(l.addresses), `${field}.address`, 500, d);
  return { id, ...(name ? { name } : {}), ...(address ? { address } : {}), ...(postcode ? { postcode } : {}), lat: position.lat, lon: position.lon };
}

export function mapLocations(service: FeedService, ctx: LocationContext, d: RecordDefects): ServiceLocation[] {
  const out: ServiceLocation[] = [];
  const seen = new Set<string>();
  service.locations.forEach((l, i) => {
    const key = typeof l.id === 'string' || typeof l.id === 'number' ? `id:${l.id}` : `at:${i}`;
    if (seen.has(key)) return;
    seen.add(key);
    const location = readLocation(l, i, ctx, d);
    if (location && !out.some((o) => o.id === location.id)) out.push(location);
  });
  if (out.length > 50) {
    d.warn('locations', `${out.length} sites published; only the first 50 are shown.`);
    return out.slice(0, 50);
  }
  return out;
}
