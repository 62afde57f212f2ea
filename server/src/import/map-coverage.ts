import { validOutcode } from 'postcode';
import type { Coverage } from '../../../shared/domain/directory';
import type { PostcodeCentroids } from '../../../shared/lib/postcode-centroids';
import { plainTextOf, truncate } from './clean-text';
import type { RecordDefects } from './defects';
import type { FeedServiceArea } from './feed-model';

/*
 * Coverage from service_areas. National: an area that is the whole country ("England", "UK",
 * "national", "nationwide"), not one that merely mentions it ("North East England"). Postcodes:
 * districts ("SE5") and areas ("SE") named in an area that is a list of postcodes, or districts in
 * text that says "postcode"; each must exist in the postcode tables, so prose like "near the M6"
 * never becomes coverage. Geometry extents (GeoJSON, KML) are not read.
 */

const WHOLE_COUNTRY = /^(the )?(whole of |all of |across |throughout )?(the )?(uk|united kingdom|england|great britain|gb|england and wales|england, wales and scotland|national|nationwide|national service|uk-wide|uk wide|england-wide)$/;
const NATIONAL_WORD = /\bnation(al|wide)\b/;
const GEOMETRY_TYPES = new Set(['geojson', 'topojson', 'kml', 'wkt']);

const knownAreas = new WeakMap<PostcodeCentroids, Map<string, boolean>>();

function isPostcodeArea(area: string, centroids: PostcodeCentroids): boolean {
  let cache = knownAreas.get(centroids);
  if (!cache) knownAreas.set(centroids, (cache = new Map()));
  let known = cache.get(area);
  if (known === undefined) {
    known = false;
    for (let n = 0; n <= 99 && !known; n++) {
      if (centroids.hasDistrict(`${area}${n}`)) known = true;
      for (let c = 65; c <= 90 && !known && n < 10; c++) if (centroids.hasDistrict(`${area}${n}${String.fromCharCode(c)}`)) known = true;
    }
    cache.set(area, known);
  }
  return known;
}

export function isNationalText(text: string): boolean {
  const t = text.toLowerCase().replace(/[.!]+$/, '').replace(/\s+/g, ' ').trim();
  return WHOLE_COUNTRY.test(t) || (NATIONAL_WORD.test(t) && !/\binternational\b/.test(t) && t.length <= 120);
}

function postcodesIn(text: string, centroids: PostcodeCentroids, d: RecordDefects, field: string): string[] {
  const words = text.split(/[\s,;/&]+|\band\b/).map((w) => w.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')).filter(Boolean);
  const isDistrictShape = (w: string) => /^[A-Z]{1,2}\d[A-Z\d]?$/.test(w);
  const isAreaShape = (w: string) => /^[A-Z]{1,2}$/.test(w);
  const shaped = words.filter((w) => isDistrictShape(w) || isAreaShape(w));
  const isList = words.length > 0 && shaped.length / words.length >= 0.5;
  const mentionsPostcodes = /\bpost ?codes?\b/i.test(text);
  if (!isList && !mentionsPostcodes) return [];
  const out: string[] = [];
  const unknown: string[] = [];
  for (const w of shaped) {
    if (isDistrictShape(w) && validOutcode(w) && centroids.hasDistrict(w)) out.push(w);
    else if (isList && isAreaShape(w) && isPostcodeArea(w, centroids)) out.push(w);
    else if (isDistrictShape(w)) unknown.push(w);
  }
  if (unknown.length > 0) d.warn(field, `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a known postcode district' : 'are not known postcode districts'}; left out of the coverage.`);
  return out;
}

export function mapCoverage(areas: FeedServiceArea[], centroids: PostcodeCentroids, d: RecordDefects): Coverage {
  let national = false;
  const postcodes: string[] = [];
  const descriptions: string[] = [];
  areas.forEach((area, i) => {
    const field = `service_areas[${i}]`;
    const isGeometry = typeof area.extentType === 'string' && GEOMETRY_TYPES.has(area.extentType.trim().toLowerCase());
    const texts = (isGeometry ? area.texts : [...area.texts, area.extent]).map(plainTextOf).filter(Boolean);
    for (const t of texts) {
      if (isNationalText(t)) national = true;
      for (const p of postcodesIn(t, centroids, d, field)) if (!postcodes.includes(p)) postcodes.push(p);
    }
    const described = texts.find((t) => t.length > 3 && !descriptions.includes(t));
    if (described) descriptions.push(described);
  });
  let description = descriptions.join('; ') || undefined;
  if (description && description.length > 500) {
    d.warn('service_areas', `The service area descriptions were ${description.length} characters long; shortened to 500.`);
    description = truncate(description, 500);
  }
  if (postcodes.length > 2000) {
    d.warn('service_areas', `${postcodes.length} postcodes listed; only the first 2000 are kept.`);
    postcodes.length = 2000;
  }
  return { national, postcodes, ...(description ? { description } : {}) };
}
