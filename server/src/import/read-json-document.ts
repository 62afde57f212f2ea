import { isObject, objectsIn, type JsonObject } from './json-values';

/*
 * What a JSON document is: service records (a single `service_full`, an HSDS 3 page
 * `{ total_items, total_pages, page_number, contents }`, an ORUK v1 Spring page
 * `{ totalElements, totalPages, number, content }`, a `service_at_location` list, `{ services }`,
 * or a bare list), or something else that people point importers at by mistake: the validator's
 * dashboard of publishers, an organisation or taxonomy list, an API root, an OpenAPI description,
 * a datapackage descriptor.
 */

export type JsonDocumentReading =
  | { kind: 'services'; records: unknown[]; paging: Paging | null }
  | { kind: 'not-a-feed'; reason: string };

/** Paging information of a list response, in either spelling; fields the page did not give are null. */
export interface Paging {
  totalPages: number | null;
  pageNumber: number | null;
  lastPage: boolean | null;
}

const SERVICE_KEYS = [
  'status', 'organization', 'organization_id', 'schedules', 'regular_schedules', 'holiday_schedules', 'service_at_locations',
  'eligibilitys', 'eligibility_description', 'application_process', 'minimum_age', 'maximum_age', 'service_areas',
  'service_taxonomys', 'assured_date', 'fees', 'fees_description', 'program', 'program_id', 'interpretation_services',
  'wait_time', 'accreditations', 'cost_options', 'alert',
];
const ORGANIZATION_KEYS = ['website', 'tax_status', 'tax_id', 'legal_status', 'year_incorporated', 'logo', 'parent_organization_id', 'organization_identifiers'];
const TERM_KEYS = ['term_uri', 'taxonomy', 'taxonomy_detail', 'parent_id', 'vocabulary', 'code'];
const PUBLISHER_KEYS = ['isUp', 'lastCheck', 'organisationLabel', 'developerLabel', 'isServicesValid', 'schemaType', 'isCompleteSuccess'];

type ItemKind = 'service' | 'service_at_location' | 'organization' | 'taxonomy_term' | 'publisher' | 'other';

const has = (o: JsonObject, keys: string[]) => keys.some((k) => Object.hasOwn(o, k));

function kindOfItem(o: JsonObject): ItemKind {
  if (isObject(o.service) && Object.hasOwn(o, 'location')) return 'service_at_location';
  if (has(o, PUBLISHER_KEYS) && Object.hasOwn(o, 'url') && !Object.hasOwn(o, 'name')) return 'publisher';
  if (has(o, SERVICE_KEYS)) return 'service';
  if (has(o, ORGANIZATION_KEYS)) return 'organization';
  if (has(o, TERM_KEYS)) return 'taxonomy_term';
  return 'other';
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function pagingOf(o: JsonObject): Paging {
  const lastPage = typeof o.last_page === 'boolean' ? o.last_page : typeof o.last === 'boolean' ? o.last : null;
  return {
    totalPages: numberOrNull(o.total_pages) ?? numberOrNull(o.totalPages),
    pageNumber: numberOrNull(o.page_number) ?? numberOrNull(o.number),
    lastPage,
  };
}

const NOT_SERVICES: Partial<Record<ItemKind, string>> = {
  organization: 'a list of organisations, not services. Import the services list (/services) instead.',
  taxonomy_term: 'a list of taxonomy terms, not services. Terms are mapped to service types from the services that use them; import the services list (/services).',
};

/**
 * Items of a list → service records. service_at_location items are grouped by their service, each
 * site becoming one of the service's `service_at_locations`; other items pass through (the mapper
 * rejects those that are not services, one by one).
 */
function recordsFromItems(items: unknown[]): JsonDocumentReading {
  const objects = items.filter(isObject);
  const kinds = objects.map(kindOfItem);
  const count = (k: ItemKind) => kinds.filter((x) => x === k).length;
  if (objects.length > 0 && count('publisher') > objects.length / 2) return { kind: 'not-a-feed', reason: dashboardReason(objects) };
  for (const k of ['organization', 'taxonomy_term'] as const) {
    if (objects.length > 0 && count(k) > objects.length / 2) return { kind: 'not-a-feed', reason: `This is ${NOT_SERVICES[k]}` };
  }

  const records: unknown[] = [];
  const bySiteService = new Map<string, JsonObject>();
  for (const item of items) {
    if (!isObject(item) || kindOfItem(item) !== 'service_at_location') {
      records.push(item);
      continue;
    }
    const service = item.service as JsonObject;
    const { service: _service, ...site } = item;
    const key = typeof service.id === 'string' || typeof service.id === 'number' ? String(service.id) : null;
    const existing = key === null ? undefined : bySiteService.get(key);
    if (existing) {
      (existing.service_at_locations as unknown[]).push(site);
      continue;
    }
    const record: JsonObject = { ...service, service_at_locations: [...objectsIn(service.service_at_locations), site] };
    if (key !== null) bySiteService.set(key, record);
    records.push(record);
  }
  return { kind: 'services', records, paging: null };
}

function dashboardReason(publishers: JsonObject[]): string {
  const example = publishers.find((p) => typeof p.url === 'string')?.url as string | undefined;
  return (
    `This is the ORUK validator's dashboard of publishers (${publishers.length} feeds${example ? `, e.g. ${example}` : ''}), not a service feed. ` +
    'Import each publisher from its own API URL instead.'
  );
}

export function readJsonDocument(doc: unknown): JsonDocumentReading {
  if (Array.isArray(doc)) return recordsFromItems(doc);
  if (!isObject(doc)) {
    return { kind: 'not-a-feed', reason: `The document is ${doc === null ? 'null' : `a single ${typeof doc} value`}, not a service feed: expected a service, a page of services or a list of services.` };
  }
  for (const listKey of ['contents', 'content']) {
    if (Array.isArray(doc[listKey])) {
      const reading = recordsFromItems(doc[listKey] as unknown[]);
      return reading.kind === 'services' ? { ...reading, paging: pagingOf(doc) } : reading;
    }
  }
  if ((Object.hasOwn(doc, 'openapi') || Object.hasOwn(doc, 'swagger')) && isObject(doc.paths)) {
    return { kind: 'not-a-feed', reason: "This is an OpenAPI description of an API, not service data. Point the importer at the API's base URL instead." };
  }
  if (Array.isArray(doc.resources)) {
    return { kind: 'not-a-feed', reason: 'This is the descriptor of a tabular data package (datapackage.json). Import the folder that holds it and its CSV tables as a tabular feed.' };
  }
  if (Array.isArray(doc.services)) {
    const reading = recordsFromItems(doc.services);
    if (reading.kind !== 'services' || !has(doc, ORGANIZATION_KEYS) || typeof doc.id !== 'string') return reading;
    // An organisation with its services nested: each service belongs to it.
    const { services: _services, ...organization } = doc;
    return { ...reading, records: reading.records.map((r) => (isObject(r) && !isObject(r.organization) ? { ...r, organization } : r)) };
  }
  const kind = kindOfItem(doc);
  if (kind === 'service' || kind === 'service_at_location' || (kind === 'other' && Object.hasOwn(doc, 'name') && Object.hasOwn(doc, 'id'))) {
    return recordsFromItems([doc]);
  }
  if (kind === 'publisher') return { kind: 'not-a-feed', reason: dashboardReason([doc]) };
  if (kind === 'organization') return { kind: 'not-a-feed', reason: 'This is an organisation, not a service. Import its services (/services?organization_id=…) instead.' };
  if (kind === 'taxonomy_term') return { kind: 'not-a-feed', reason: 'This is a taxonomy term, not a service.' };
  if (Object.hasOwn(doc, 'version') && (Object.hasOwn(doc, 'openapi_url') || Object.hasOwn(doc, 'profile'))) {
    return { kind: 'not-a-feed', reason: "This is an ORUK/HSDS API's root response (its version and profile), not service data. Import the API's /services list instead." };
  }
  return {
    kind: 'not-a-feed',
    reason: 'Not a recognisable ORUK/HSDS service feed: expected a service, a page of services ({ "contents": [...] } or { "content": [...] }) or a list of services.',
  };
}
