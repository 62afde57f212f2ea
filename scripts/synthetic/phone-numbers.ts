import { areaOf, LONDON_AREAS } from './place-names';
import type { Random } from './random';

/*
 * Every number comes from the ranges Ofcom keeps for TV and radio drama, so a synthetic number can
 * never ring a real person or service. Each range holds 1,000 numbers, so numbers repeat in large
 * directories; that does not matter for a directory that is only used for demos and benchmarks.
 */

/** Drama range for the area's city where Ofcom has one: [prefix, first digits of the local part]. */
const CITY_RANGES: Record<string, string> = {
  LS: '0113 496 0', S: '0114 496 0', NG: '0115 496 0', LE: '0116 496 0', BS: '0117 496 0', RG: '0118 496 0',
  B: '0121 496 0', L: '0151 496 0', M: '0161 496 0', NE: '0191 498 0', SR: '0191 498 0', DH: '0191 498 0',
};

const three = (rng: Random) => String(rng.int(0, 999)).padStart(3, '0');

/** A landline in the caller's city where a drama range exists, else the national drama range 01632 960xxx. */
export function landline(district: string, rng: Random): string {
  const area = areaOf(district);
  if (LONDON_AREAS.has(area)) return `020 7946 0${three(rng)}`;
  const city = CITY_RANGES[area];
  return city ? `${city}${three(rng)}` : `01632 960${three(rng)}`;
}

/** 07700 900xxx: used for text lines. */
export function mobile(rng: Random): string {
  return `07700 900${three(rng)}`;
}

/** 0808 157 0xxx: free to call. */
export function freephone(rng: Random): string {
  return `0808 157 0${three(rng)}`;
}

/** 0306 999 0xxx: the "03" UK-wide rate that NHS and charity lines use. */
export function ukWide(rng: Random): string {
  return `0306 999 0${three(rng)}`;
}

/** Any plausible number for a local service: mostly its local landline, sometimes an 0300-style line. */
export function localServiceNumber(district: string, rng: Random): string {
  return rng.chance(0.75) ? landline(district, rng) : ukWide(rng);
}
