import { isObject, objectsIn, type JsonObject } from './json-values';

/*
 * What a JSON document is: service records (a single `service_full`, an HSDS 3 page
 * `{ total_items, total_pages, page_number, contents }`, an ORUK v1 Spring page
 * `{ totalElements, totalPages, number, content }`, a `service_at_location` list, `{ services }`,
 * an organisation with its services, or a bare list), or something else that people point
 * importers at by mistake: the validator's dashboard of publishers, an organisation or taxonomy
 * list, an API root, an OpenAPI description, a datapackage descriptor.
 *
 * Documents are read item by item (JsonFeedAssembler), whether they arrive whole (an upload
 * already parsed) or as a stream of bytes (read-json-stream.ts): the list's items are taken one at
 * a time, and the rest of the document (its "head": paging fields, an organisation's own fields)
 * is looked at when it is complete. Reasons never quote the document's values: a URL import may
 * have been pointed at something that is not a feed, and its answer is not echoed back.
 */

/** Paging information of a list response, in either spelling; fields the page did not give are null. */
export interface Paging {
  totalPages: number | null;
  totalItems: number | null;
  /** As the page gives it: 1-based in HSDS 3, 0-based in Spring (ORUK v1). */
  pageNumber: number | null;
  lastPage: boolean | null;
  firstPage: boolean | null;
  /** The page size the API says it uses. */
  size: number | null;
}

export type JsonDocumentReading =
  | { kind: 'services'; records: unknown[]; paging: Paging | null }
  | { kind: 'not-a-feed'; reason: string };

const SERVICE_KEYS = [
  'status', 'organization', 'organization_id', 'schedules', 'regular_schedules', 'holiday_schedules', 'service_at_locations',
  'eligibilitys', 'eligibility_description', 'application_process', 'minimum_age', 'maximum_age', 'service_areas',
  'service_taxonomys', 'assured_date', 'fees', 'fees_description', 'program', 'program_id', 'interpretation_services',
  'wait_time', 'accreditations', 'cost_options', 'alert',
];
const ORGANIZATION_KEYS = ['website', 'tax_status', 'tax_id', 'legal_status', 'year_incorporated', 'logo', 'parent_organization_id', 'organization_identifiers'];
const TERM_KEYS = ['term_uri', 'taxonomy', 'taxonomy_detail', 'parent_id', 'vocabulary', 'code'];
const PUBLISHER_KEYS = ['isUp', 'lastCheck', 'organisationLabel', 'developerLabel', 'isServicesValid', 'schemaType', 'isCompleteSuccess'];

/** The keys under which a document lists its records, in the order they are looked for. */
export const LIST_KEYS = ['contents', 'content', 'services'] as const;
export type ListKey = (typeof LIST_KEYS)[number] | '$';

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

function booleanOrNull(...values: unknown[]): boolean | null {
  for (const v of values) if (typeof v === 'boolean') return v;
  return null;
}

export function pagingOf(o: JsonObject): Paging {
  return {
    totalPages: numberOrNull(o.total_pages) ?? numberOrNull(o.totalPages),
    totalItems: numberOrNull(o.total_items) ?? numberOrNull(o.totalElements) ?? numberOrNull(o.total),
    pageNumber: numberOrNull(o.page_number) ?? numberOrNull(o.number),
    lastPage: booleanOrNull(o.last_page, o.last),
    firstPage: booleanOrNull(o.first_page, o.first),
    size: numberOrNull(o.size) ?? numberOrNull(o.per_page),
  };
}

const NOT_SERVICES: Partial<Record<ItemKind, string>> = {
  organization: 'a list of organisations, not services. Import the services list (/services) instead.',
  taxonomy_term: 'a list of taxonomy terms, not services. Terms are mapped to service types from the services that use them; import the services list (/services).',
};

function dashboardReason(count: number): string {
  return `This is the ORUK validator's dashboard of publishers (${count} feed${count === 1 ? '' : 's'} listed), not a service feed. Import each publisher from its own API URL instead.`;
}

/** How many items are looked at before deciding whether a list holds services. */
const SAMPLE = 50;

/** A record ready to map, with the index (0-based) of the list item it came from. */
export interface AssembledRecord {
  index: number;
  record: unknown;
}

/** What the whole document turned out to be, once its head is known. */
export type DocumentSummary =
  | { kind: 'services'; paging: Paging | null; items: number; listKey: ListKey | null }
  | { kind: 'not-a-feed'; reason: string };

/**
 * Turns a document's list items, one at a time, into service records: decides from the first
 * items whether the list holds services at all, groups service_at_location items by their service
 * (each site becoming one of its `service_at_locations`; those are held until the end of the
 * document, since a service's sites may be anywhere in the list), and gives an organisation's own
 * fields to the services nested in it.
 */
export class JsonFeedAssembler {
  private sample: { index: number; item: unknown }[] | null = [];
  private notAFeed: string | null = null;
  private readonly sites = new Map<string, { index: number; record: JsonObject }>();
  private items = 0;
  private organization: JsonObject | null = null;

  /** `head` so far: the fields of the document that came before its list (an organisation's own). */
  constructor(
    private readonly listKey: ListKey,
    head: JsonObject | null = null,
  ) {
    if (listKey === 'services' && head && has(head, ORGANIZATION_KEYS) && typeof head.id === 'string') {
      const { services: _services, ...organization } = head;
      this.organization = organization;
    }
  }

  get stopped(): boolean {
    return this.notAFeed !== null;
  }

  /** One item of the list → the records it completes (none while the first items are sampled). */
  push(item: unknown): AssembledRecord[] {
    const index = this.items++;
    if (this.notAFeed) return [];
    if (this.sample) {
      this.sample.push({ index, item });
      return this.sample.length >= SAMPLE ? this.decide() : [];
    }
    return this.place(index, item);
  }

  private decide(): AssembledRecord[] {
    const sample = this.sample ?? [];
    this.sample = null;
    const objects = sample.map((s) => s.item).filter(isObject);
    const kinds = objects.map(kindOfItem);
    const count = (k: ItemKind) => kinds.filter((x) => x === k).length;
    if (objects.length > 0 && count('publisher') > objects.length / 2) {
      this.notAFeed = dashboardReason(objects.length);
      return [];
    }
    for (const k of ['organization', 'taxonomy_term'] as const) {
      if (objects.length > 0 && count(k) > objects.length / 2) {
        this.notAFeed = `This is ${NOT_SERVICES[k]}`;
        return [];
      }
    }
    return sample.flatMap((s) => this.place(s.index, s.item));
  }

  private place(index: number, item: unknown): AssembledRecord[] {
    if (!isObject(item)) return [{ index, record: item }];
    if (kindOfItem(item) !== 'service_at_location') {
      return [{ index, record: this.organization && !isObject(item.organization) ? { ...item, organization: this.organization } : item }];
    }
    const service = item.service as JsonObject;
    const { service: _service, ...site } = item;
    const key = typeof service.id === 'string' || typeof service.id === 'number' ? String(service.id) : null;
    const existing = key === null ? undefined : this.sites.get(key);
    if (existing) {
      (existing.record.service_at_locations as unknown[]).push(site);
      return [];
    }
    const record: JsonObject = { ...service, service_at_locations: [...objectsIn(service.service_at_locations), site] };
    if (key === null) return [{ index, record }];
    this.sites.set(key, { index, record });
    return [];
  }

  /** The end of the document: the records still held, and what the document was. */
  finish(head: JsonObject | null): { records: AssembledRecord[]; summary: DocumentSummary } {
    const records = this.sample ? this.decide() : [];
    if (this.notAFeed) return { records: [], summary: { kind: 'not-a-feed', reason: this.notAFeed } };
    records.push(...[...this.sites.values()].map(({ index, record }) => ({ index, record })));
    records.sort((a, b) => a.index - b.index);
    this.sites.clear();
    const paging = head && (this.listKey === 'contents' || this.listKey === 'content') ? pagingOf(head) : null;
    return { records, summary: { kind: 'services', paging, items: this.items, listKey: this.listKey } };
  }
}

/** A document that is not a list: one service, or something that is not a feed. */
export function readSingleObject(doc: unknown): { record: JsonObject } | { reason: string } {
  if (!isObject(doc)) {
    return { reason: `The document is ${doc === null ? 'null' : Array.isArray(doc) ? 'a list' : `a single ${typeof doc} value`}, not a service feed: expected a service, a page of services or a list of services.` };
  }
  if ((Object.hasOwn(doc, 'openapi') || Object.hasOwn(doc, 'swagger')) && isObject(doc.paths)) {
    return { reason: "This is an OpenAPI description of an API, not service data. Point the importer at the API's base URL instead." };
  }
  if (Array.isArray(doc.resources)) {
    return { reason: 'This is the descriptor of a tabular data package (datapackage.json). Import the folder that holds it and its CSV tables as a tabular feed.' };
  }
  const kind = kindOfItem(doc);
  if (kind === 'service' || kind === 'service_at_location' || (kind === 'other' && Object.hasOwn(doc, 'name') && Object.hasOwn(doc, 'id'))) return { record: doc };
  if (kind === 'publisher') return { reason: dashboardReason(1) };
  if (kind === 'organization') return { reason: 'This is an organisation, not a service. Import its services (/services?organization_id=…) instead.' };
  if (kind === 'taxonomy_term') return { reason: 'This is a taxonomy term, not a service.' };
  if (Object.hasOwn(doc, 'version') && (Object.hasOwn(doc, 'openapi_url') || Object.hasOwn(doc, 'profile'))) {
    return { reason: "This is an ORUK/HSDS API's root response (its version and profile), not service data. Import the API's /services list instead." };
  }
  return {
    reason: 'Not a recognisable ORUK/HSDS service feed: expected a service, a page of services ({ "contents": [...] } or { "content": [...] }) or a list of services.',
  };
}

/** The list key of an object document, if it has one. */
export function listKeyOf(doc: JsonObject): (typeof LIST_KEYS)[number] | null {
  return LIST_KEYS.find((k) => Array.isArray(doc[k])) ?? null;
}

/**
 * A whole document already in memory, item by item: the records in order and what it was.
 * The same assembler as a streamed document, so both read alike.
 */
export function assembleDocument(doc: unknown): { records: AssembledRecord[]; summary: DocumentSummary } {
  if (Array.isArray(doc)) {
    const assembler = new JsonFeedAssembler('$');
    const records = doc.flatMap((item) => assembler.push(item));
    const end = assembler.finish(null);
    return { records: [...records, ...end.records], summary: end.summary };
  }
  const key = isObject(doc) ? listKeyOf(doc) : null;
  if (isObject(doc) && key) {
    const assembler = new JsonFeedAssembler(key, doc);
    const records = (doc[key] as unknown[]).flatMap((item) => assembler.push(item));
    const end = assembler.finish(doc);
    return { records: [...records, ...end.records], summary: end.summary };
  }
  const single = readSingleObject(doc);
  if ('reason' in single) return { records: [], summary: { kind: 'not-a-feed', reason: single.reason } };
  const assembler = new JsonFeedAssembler('$');
  const records = assembler.push(single.record);
  const end = assembler.finish(null);
  return { records: [...records, ...end.records], summary: { ...end.summary, listKey: null } as DocumentSummary };
}

/** A whole document's records and paging (for a single record fetched from an API). */
export function readJsonDocument(doc: unknown): JsonDocumentReading {
  const { records, summary } = assembleDocument(doc);
  if (summary.kind === 'not-a-feed') return summary;
  return { kind: 'services', records: records.map((r) => r.record), paging: summary.paging };
}
