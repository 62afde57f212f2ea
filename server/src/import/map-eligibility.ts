import { plainTextOf, readText } from './clean-text';
import type { RecordDefects } from './defects';
import type { FeedService } from './feed-model';
import { describeType, quote } from './json-values';

/*
 * Age range and eligibility text. Ages come from minimum_age/maximum_age (the service's own in
 * HSDS 3, or its eligibility records in ORUK v1, widest range across them); only when there are
 * none is the eligibility text read for a plainly stated range ("aged 16 and over", "18-25 years",
 * "under 18s", "adults"), reported as repaired. A range left open is all ages, so the adult-only
 * reading of "adults" keeps children from being offered adult services (hazard H8).
 */

export interface Ages {
  ageMin: number | null;
  ageMax: number | null;
}

function readAge(raw: unknown, field: string, role: 'minimum' | 'maximum', d: RecordDefects): number | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
  if (typeof raw !== 'number' && typeof raw !== 'string') {
    d.warn(field, `${field} is ${describeType(raw)}, not an age; ignored.`);
    return null;
  }
  if (!Number.isFinite(n) || n < 0) {
    d.warn(field, `${field} ${quote(raw)} is not an age; ignored.`);
    return null;
  }
  if (n > 130) {
    if (role === 'maximum') return null; // 999 and the like: no upper limit
    d.warn(field, `${field} ${quote(raw)} is not an age; ignored.`);
    return null;
  }
  return Math.floor(n);
}

const TEXT_RULES: [RegExp, (m: RegExpExecArray) => Ages][] = [
  [/\b(?:aged?|ages)\s+(\d{1,2})\s*(?:-|–|to)\s*(\d{1,2})\b/i, (m) => ({ ageMin: Number(m[1]), ageMax: Number(m[2]) })],
  [/\b(\d{1,2})\s*(?:-|–|to)\s*(\d{1,2})\s*(?:years?|yrs?|year olds?)\b/i, (m) => ({ ageMin: Number(m[1]), ageMax: Number(m[2]) })],
  [/\b(\d{1,2})\s*(?:\+|plus\b|years? and over\b|and over\b|and older\b|or over\b|or older\b|and above\b)/i, (m) => ({ ageMin: Number(m[1]), ageMax: null })],
  [/\b(?:over|above)\s+(?:the age of\s+)?(\d{1,2})s?\b/i, (m) => ({ ageMin: Number(m[1]), ageMax: null })],
  [/\bunder\s+(?:the age of\s+)?(\d{1,2})s?\b/i, (m) => ({ ageMin: null, ageMax: Number(m[1]) - 1 })],
  [/\bup to (?:the age of\s+)?(\d{1,2})\b/i, (m) => ({ ageMin: null, ageMax: Number(m[1]) })],
  [/^adults?( only)?\.?$/i, () => ({ ageMin: 18, ageMax: null })],
];

export function agesFromText(text: string): Ages | null {
  for (const [re, read] of TEXT_RULES) {
    const m = re.exec(text);
    if (m) return read(m);
  }
  return null;
}

export function mapEligibility(service: FeedService, d: RecordDefects): Ages & { eligibility?: string } {
  let ageMin = readAge(service.minimumAge, 'minimum_age', 'minimum', d);
  let ageMax = readAge(service.maximumAge, 'maximum_age', 'maximum', d);
  if (ageMin === null && ageMax === null && service.eligibilities.length > 0) {
    const ranges = service.eligibilities
      .map((e, i) => ({ min: readAge(e.minimumAge, `eligibilitys[${i}].minimum_age`, 'minimum', d), max: readAge(e.maximumAge, `eligibilitys[${i}].maximum_age`, 'maximum', d) }))
      .filter((r) => r.min !== null || r.max !== null);
    if (ranges.length > 0) {
      // The service takes anyone any of its eligibility records admits: the widest range.
      ageMin = ranges.some((r) => r.min === null) ? null : Math.min(...ranges.map((r) => r.min!));
      ageMax = ranges.some((r) => r.max === null) ? null : Math.max(...ranges.map((r) => r.max!));
    }
  }

  const texts = [service.eligibilityDescription, ...service.eligibilities.map((e) => e.text)].map(plainTextOf).filter(Boolean);
  const joined = [...new Set(texts)].join('; ');
  const eligibility = readText(joined, 'eligibility', 1000, d);

  if (ageMin === null && ageMax === null && eligibility) {
    const inferred = agesFromText(eligibility);
    if (inferred && (inferred.ageMin === null || inferred.ageMin <= 130) && (inferred.ageMax === null || inferred.ageMax >= 0)) {
      ({ ageMin, ageMax } = inferred);
      d.repair('eligibility', `No age limits given; ages ${ageMin ?? 0}${ageMax === null ? '+' : `–${ageMax}`} read from the eligibility text ${quote(eligibility, 80)}.`);
    }
  }
  if (ageMin !== null && ageMax !== null && ageMin > ageMax) {
    d.repair('maximum_age', `The minimum age ${ageMin} is above the maximum age ${ageMax}; the two were swapped.`);
    [ageMin, ageMax] = [ageMax, ageMin];
  }
  return { ageMin, ageMax, ...(eligibility ? { eligibility } : {}) };
}
