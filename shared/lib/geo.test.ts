import { describe, expect, it } from 'vitest';
import { boundingBox, distanceKm } from './geo';

const LONDON = { lat: 51.5074, lon: -0.1278 }; // Charing Cross
const MANCHESTER = { lat: 53.4808, lon: -2.2426 }; // St Peter's Square
const R = 6371.0088;
const RAD = Math.PI / 180;

/** The point `km` from `from` along the initial bearing (degrees), on the same sphere as geo.ts. */
function destination(from: { lat: number; lon: number }, bearingDeg: number, km: number) {
  const d = km / R;
  const b = bearingDeg * RAD;
  const lat1 = from.lat * RAD;
  const lon1 = from.lon * RAD;
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(b));
  const lon2 = lon1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  return { lat: lat2 / RAD, lon: lon2 / RAD };
}

describe('distanceKm', () => {
  it('puts London about 262 km from Manchester', () => {
    const d = distanceKm(LONDON.lat, LONDON.lon, MANCHESTER.lat, MANCHESTER.lon);
    expect(d).toBeGreaterThan(259);
    expect(d).toBeLessThan(265);
  });

  it('is zero for the same point and symmetric', () => {
    expect(distanceKm(LONDON.lat, LONDON.lon, LONDON.lat, LONDON.lon)).toBe(0);
    expect(distanceKm(MANCHESTER.lat, MANCHESTER.lon, LONDON.lat, LONDON.lon)).toBeCloseTo(distanceKm(LONDON.lat, LONDON.lon, MANCHESTER.lat, MANCHESTER.lon), 9);
  });

  it('measures one degree of latitude as about 111.2 km and a degree of longitude shrinking with cos(latitude)', () => {
    expect(distanceKm(52, -1, 53, -1)).toBeCloseTo(111.195, 2);
    expect(distanceKm(0, 0, 0, 1)).toBeCloseTo(111.195, 2);
    expect(distanceKm(60, 0, 60, 1)).toBeCloseTo(111.195 * Math.cos(60 * RAD), 1);
  });

  it('agrees with a point placed a known distance away', () => {
    for (const km of [0.1, 1, 10, 100]) {
      const p = destination(LONDON, 37, km);
      expect(distanceKm(LONDON.lat, LONDON.lon, p.lat, p.lon)).toBeCloseTo(km, 6);
    }
  });
});

describe('boundingBox', () => {
  // The search takes the box as its candidate set and then keeps those within the radius: a box
  // smaller than the circle silently drops services that are within reach.
  const centres = [
    { lat: 49.96, lon: -5.2 }, // Lizard Point, the far south-west
    LONDON,
    MANCHESTER,
    { lat: 55.81, lon: -2.0 }, // Berwick-upon-Tweed, the far north
  ];

  it('contains every point on the circle of the radius, in every direction', () => {
    for (const centre of centres) {
      for (const radius of [0.5, 5, 25, 50, 100, 300]) {
        const box = boundingBox(centre, radius);
        for (let bearing = 0; bearing < 360; bearing += 1) {
          const p = destination(centre, bearing, radius);
          const where = `${radius} km at ${bearing}° from ${centre.lat},${centre.lon}`;
          expect(p.lat, where).toBeGreaterThanOrEqual(box.minLat);
          expect(p.lat, where).toBeLessThanOrEqual(box.maxLat);
          expect(p.lon, where).toBeGreaterThanOrEqual(box.minLon);
          expect(p.lon, where).toBeLessThanOrEqual(box.maxLon);
        }
      }
    }
  });

  it('is not much larger than the circle', () => {
    const box = boundingBox(LONDON, 10);
    const north = destination(LONDON, 0, 10.2);
    const east = destination(LONDON, 90, 10.2);
    expect(north.lat).toBeGreaterThan(box.maxLat);
    expect(east.lon).toBeGreaterThan(box.maxLon);
    expect(box.minLat).toBeCloseTo(2 * LONDON.lat - box.maxLat, 9);
    expect(box.minLon).toBeCloseTo(2 * LONDON.lon - box.maxLon, 9);
  });
});
