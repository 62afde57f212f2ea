import type {
  Attachment,
  FeedAddress,
  FeedEligibility,
  FeedHolidaySchedule,
  FeedLocation,
  FeedPhone,
  FeedSchedule,
  FeedService,
  FeedServiceArea,
  FeedTaxonomyTerm,
} from './feed-model';
import { describeType, isObject, objectsFrom, objectsIn, pick, type JsonObject } from './json-values';

/*
 * One service object of a JSON feed → FeedService. Reads both HSDS 3.0 (`schedules`,
 * `attributes[].taxonomy_term`, `addresses`, `service_areas[].name`) and the older ORUK v1 shape
 * (`regular_schedules`, `holiday_schedules`, `eligibilitys`, `service_taxonomys[].taxonomy`,
 * `physical_addresses`, `service_areas[].service_area`), including the variant spellings live
 * feeds use.
 */

/** List fields that should hold objects; a value of any other kind is reported, not guessed at. */
function listOf(o: JsonObject, problems: FeedService['problems'], ...names: string[]): JsonObject[] {
  for (const n of names) {
    if (!Object.hasOwn(o, n)) continue;
    const v = o[n];
    if (v !== null && v !== undefined && !Array.isArray(v) && !isObject(v)) {
      problems.push({ field: n, reason: `${n} should be a list but is ${describeType(v)}; ignored.` });
    }
  }
  return objectsFrom(o, ...names);
}

function phoneFrom(p: JsonObject, attachedTo: Attachment): FeedPhone {
  return {
    attachedTo,
    id: pick(p, 'id'),
    number: pick(p, 'number', 'phone', 'telephone'),
    extension: pick(p, 'extension'),
    type: pick(p, 'type'),
    description: pick(p, 'description', 'label'),
  };
}

function phonesOf(o: JsonObject, attachedTo: Attachment, problems: FeedService['problems']): FeedPhone[] {
  const direct = listOf(o, problems, 'phones').map((p) => phoneFrom(p, attachedTo));
  const viaContacts = objectsFrom(o, 'contacts').flatMap((c) => objectsFrom(c, 'phones').map((p) => phoneFrom(p, attachedTo === 'service' ? 'contact' : attachedTo)));
  return [...direct, ...viaContacts];
}

export function scheduleFrom(s: JsonObject, attachedTo: Attachment): FeedSchedule {
  return {
    attachedTo,
    id: pick(s, 'id'),
    freq: pick(s, 'freq'),
    interval: pick(s, 'interval'),
    byday: pick(s, 'byday'),
    weekday: pick(s, 'weekday'),
    opensAt: pick(s, 'opens_at'),
    closesAt: pick(s, 'closes_at'),
    validFrom: pick(s, 'valid_from'),
    validTo: pick(s, 'valid_to'),
    dtstart: pick(s, 'dtstart'),
    timezone: pick(s, 'timezone', 'time_zone', 'tzid'),
    until: pick(s, 'until'),
    count: pick(s, 'count'),
    byweekno: pick(s, 'byweekno'),
    bymonthday: pick(s, 'bymonthday'),
    byyearday: pick(s, 'byyearday'),
    description: pick(s, 'description'),
    notes: pick(s, 'notes'),
    attendingType: pick(s, 'attending_type'),
  };
}

export function holidayFrom(h: JsonObject): FeedHolidaySchedule {
  return {
    id: pick(h, 'id'),
    closed: pick(h, 'closed'),
    opensAt: pick(h, 'opens_at'),
    closesAt: pick(h, 'closes_at'),
    startDate: pick(h, 'start_date'),
    endDate: pick(h, 'end_date'),
  };
}

export function addressFrom(a: JsonObject, defaultType: string | null): FeedAddress {
  return {
    lines: [pick(a, 'address_1'), pick(a, 'address_2'), pick(a, 'address_3'), pick(a, 'address_4')],
    city: pick(a, 'city'),
    postalCode: pick(a, 'postal_code', 'postcode'),
    addressType: pick(a, 'address_type') ?? defaultType,
  };
}

function locationFrom(l: JsonObject): FeedLocation {
  return {
    id: pick(l, 'id'),
    name: pick(l, 'name'),
    locationType: pick(l, 'location_type'),
    latitude: pick(l, 'latitude', 'lat'),
    longitude: pick(l, 'longitude', 'lon', 'lng'),
    addresses: [
      ...objectsFrom(l, 'addresses').map((a) => addressFrom(a, null)),
      ...objectsFrom(l, 'physical_addresses', 'physical_address').map((a) => addressFrom(a, 'physical')),
      ...objectsFrom(l, 'postal_addresses', 'postal_address').map((a) => addressFrom(a, 'postal')),
    ],
  };
}

function serviceAreaFrom(a: JsonObject): FeedServiceArea {
  return {
    id: pick(a, 'id'),
    texts: [pick(a, 'service_area'), pick(a, 'name'), pick(a, 'description')],
    extent: pick(a, 'extent'),
    extentType: pick(a, 'extent_type'),
  };
}

function termFrom(t: JsonObject): FeedTaxonomyTerm {
  const detail = isObject(t.taxonomy_detail) ? t.taxonomy_detail : null;
  const vocabulary = pick(t, 'vocabulary') ?? (typeof t.taxonomy === 'string' ? t.taxonomy : undefined) ?? (detail ? pick(detail, 'name') : undefined);
  return { name: pick(t, 'name', 'term'), code: pick(t, 'code'), vocabulary };
}

function taxonomyTermsOf(o: JsonObject): FeedTaxonomyTerm[] {
  const terms: FeedTaxonomyTerm[] = [];
  for (const st of objectsFrom(o, 'service_taxonomys', 'service_taxonomies')) {
    for (const t of objectsIn(st.taxonomy)) terms.push(termFrom(t));
    for (const t of objectsIn(st.taxonomy_term)) terms.push(termFrom(t));
  }
  for (const a of objectsFrom(o, 'attributes')) for (const t of objectsIn(a.taxonomy_term)) terms.push(termFrom(t));
  for (const t of objectsFrom(o, 'taxonomy_terms', 'taxonomies')) terms.push(termFrom(t));
  return terms;
}

function eligibilitiesOf(o: JsonObject): FeedEligibility[] {
  const out: FeedEligibility[] = [];
  for (const name of ['eligibilitys', 'eligibilities', 'eligibility']) {
    if (!Object.hasOwn(o, name)) continue;
    const v = o[name];
    for (const text of Array.isArray(v) ? v : [v]) {
      if (typeof text === 'string') out.push({ text, minimumAge: undefined, maximumAge: undefined });
    }
    for (const e of objectsIn(v)) out.push({ text: pick(e, 'eligibility', 'description'), minimumAge: pick(e, 'minimum_age'), maximumAge: pick(e, 'maximum_age') });
  }
  return out;
}

export function feedServiceFromJson(o: JsonObject): FeedService {
  const problems: FeedService['problems'] = [];
  const org = isObject(o.organization) ? o.organization : null;
  if (Object.hasOwn(o, 'organization') && o.organization !== null && !org) {
    problems.push({ field: 'organization', reason: `organization should be an object but is ${describeType(o.organization)}; ignored.` });
  }

  const phones = phonesOf(o, 'service', problems);
  const schedules = listOf(o, problems, 'schedules', 'regular_schedules').map((s) => scheduleFrom(s, 'service'));
  const holidaySchedules = listOf(o, problems, 'holiday_schedules').map(holidayFrom);
  const locations: FeedLocation[] = [];
  for (const sal of listOf(o, problems, 'service_at_locations', 'service_at_location')) {
    phones.push(...phonesOf(sal, 'service_at_location', problems));
    schedules.push(...objectsFrom(sal, 'schedules', 'regular_schedules').map((s) => scheduleFrom(s, 'service_at_location')));
    holidaySchedules.push(...objectsFrom(sal, 'holiday_schedules').map(holidayFrom));
    for (const l of objectsIn(sal.location)) {
      locations.push(locationFrom(l));
      phones.push(...phonesOf(l, 'location', problems));
    }
  }
  for (const l of listOf(o, problems, 'locations')) locations.push(locationFrom(l));
  if (org) phones.push(...phonesOf(org, 'organization', problems));

  return {
    id: pick(o, 'id'),
    name: pick(o, 'name'),
    description: pick(o, 'description'),
    url: pick(o, 'url'),
    email: pick(o, 'email'),
    status: pick(o, 'status'),
    alert: pick(o, 'alert'),
    applicationProcess: pick(o, 'application_process', 'referral_process', 'how_to_access'),
    attendingAccess: pick(o, 'attending_access'),
    eligibilityDescription: pick(o, 'eligibility_description'),
    minimumAge: pick(o, 'minimum_age'),
    maximumAge: pick(o, 'maximum_age'),
    assuredDate: pick(o, 'assured_date'),
    lastModified: pick(o, 'last_modified'),
    metadataDates: objectsFrom(o, 'metadata').map((m) => pick(m, 'last_action_date')),
    organization: org ? { id: pick(org, 'id'), name: pick(org, 'name'), url: pick(org, 'website', 'url') } : null,
    phones,
    schedules,
    holidaySchedules,
    locations,
    serviceAreas: listOf(o, problems, 'service_areas').map(serviceAreaFrom),
    eligibilities: eligibilitiesOf(o),
    taxonomyTerms: taxonomyTermsOf(o),
    problems,
  };
}
