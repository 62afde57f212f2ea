export interface LatLon {
  lat: number;
  lon: number;
}

const EARTH_RADIUS_KM = 6371.0088;
const RAD = Math.PI / 180;
/** About a millimetre, so that rounding can never put a point on the circle outside the box. */
const BOX_MARGIN_DEG = 1e-8;

/** Great-circle distance in kilometres (haversine). */
export function distanceKm(aLat: number, aLon: number, bLat: number, bLon: number): number {
  const dLat = (bLat - aLat) * RAD;
  const dLon = (bLon - aLon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(aLat * RAD) * Math.cos(bLat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * A latitude/longitude box that contains every point within radiusKm of the centre, on the same
 * sphere as distanceKm (the search takes the box as its candidates, so it must never be smaller
 * than the circle). The widest longitude of a circle lies poleward of its centre, hence the asin.
 */
export function boundingBox(centre: LatLon, radiusKm: number): { minLat: number; maxLat: number; minLon: number; maxLon: number } {
  const angle = radiusKm / EARTH_RADIUS_KM;
  const dLat = angle / RAD + BOX_MARGIN_DEG;
  const minLat = Math.max(-90, centre.lat - dLat);
  const maxLat = Math.min(90, centre.lat + dLat);
  const sinDLon = Math.sin(Math.min(angle, Math.PI / 2)) / Math.cos(centre.lat * RAD);
  if (minLat <= -90 || maxLat >= 90 || sinDLon >= 1) return { minLat, maxLat, minLon: -180, maxLon: 180 };
  const dLon = Math.asin(sinDLon) / RAD + BOX_MARGIN_DEG;
  return { minLat, maxLat, minLon: centre.lon - dLon, maxLon: centre.lon + dLon };
}
