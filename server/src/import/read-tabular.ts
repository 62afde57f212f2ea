import { parse } from 'csv-parse/sync';
import type { DefectLog } from './defects';
import type { FeedLocation, FeedPhone, FeedService, FeedTaxonomyTerm } from './feed-model';
import { isObject } from './json-values';
import { addressFrom, holidayFrom, scheduleFrom } from './read-json-service';

/*
 * Tabular feeds: a datapackage.json and one CSV per table, HSDS 3.0 (`schedules`, `addresses`,
 * `attributes` → `taxonomy_terms`) or HSDS 1.1 (`regular_schedules`, `holiday_schedules`,
 * `physical_addresses`, `services_taxonomy` → `taxonomy`, `eligibility`). Tables are found through
 * the descriptor's resources, or by their usual file names when there is no descriptor. Rows are
 * joined into one FeedService per row of the services table.
 */

/** The files of a tabular feed: the descriptor's text (if any) and each CSV's text by file name. */
export interface TabularPackage {
  datapackage?: string;
  tables: Record<string, string>;
}

type Row = Record<string, string>;

type Table =
  | 'service' | 'organization' | 'service_at_location' | 'location' | 'phone' | 'contact' | 'address' | 'physical_address'
  | 'postal_address' | 'schedule' | 'holiday_schedule' | 'eligibility' | 'service_area' | 'attribute' | 'taxonomy_term'
  | 'taxonomy' | 'service_taxonomy' | 'metadata';

/** Resource names and file names (without .csv) of each table, in both versions. */
const NAMES: Record<Table, string[]> = {
  service: ['service', 'services'],
  organization: ['organization', 'organizations', 'organisation', 'organisations'],
  service_at_location: ['service_at_location', 'services_at_location', 'service_at_locations', 'services_at_locations'],
  location: ['location', 'locations'],
  phone: ['phone', 'phones'],
  contact: ['contact', 'contacts'],
  address: ['address', 'addresses'],
  physical_address: ['physical_address', 'physical_addresses'],
  postal_address: ['postal_address', 'postal_addresses'],
  schedule: ['schedule', 'schedules', 'regular_schedule', 'regular_schedules'],
  holiday_schedule: ['holiday_schedule', 'holiday_schedules'],
  eligibility: ['eligibility', 'eligibilitys', 'eligibilities'],
  service_area: ['service_area', 'service_areas'],
  attribute: ['attribute', 'attributes'],
  taxonomy_term: ['taxonomy_term', 'taxonomy_terms'],
  taxonomy: ['taxonomy', 'taxonomies'],
  service_taxonomy: ['service_taxonomy', 'services_taxonomy', 'service_taxonomys', 'services_taxonomies'],
  metadata: ['metadata'],
};

const baseName = (path: string) => path.split(/[\\/]/).pop()!.replace(/\.csv$/i, '').toLowerCase();

function tablePaths(pkg: TabularPackage, log: DefectLog): Map<Table, string[]> {
  const byName = new Map<string, string[]>();
  const add = (name: string, path: string) => byName.set(name, [...(byName.get(name) ?? []), path]);
  let descriptor: unknown;
  if (pkg.datapackage !== undefined) {
    try {
      descriptor = JSON.parse(pkg.datapackage);
    } catch (e) {
      log.feed('datapackage.json', 'warning', `datapackage.json is not valid JSON (${(e as Error).message}); tables were found by their file names instead.`);
    }
  }
  const resources = isObject(descriptor) && Array.isArray(descriptor.resources) ? descriptor.resources.filter(isObject) : [];
  const described = new Set<string>();
  for (const r of resources) {
    const path = typeof r.path === 'string' ? r.path : null;
    if (path && typeof r.name === 'string' && Object.hasOwn(pkg.tables, path)) {
      add(r.name.toLowerCase(), path);
      described.add(path);
    }
  }
  for (const path of Object.keys(pkg.tables)) if (!described.has(path)) add(baseName(path), path);

  const out = new Map<Table, string[]>();
  for (const [table, names] of Object.entries(NAMES) as [Table, string[]][]) {
    const paths = names.flatMap((n) => byName.get(n) ?? []);
    if (paths.length > 0) out.set(table, [...new Set(paths)]);
  }
  return out;
}

function readRows(text: string, path: string, log: DefectLog): Row[] {
  try {
    const rows = parse(text, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), bom: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true, trim: true }) as Row[];
    return rows;
  } catch (e) {
    log.feed(path, 'skipped', `The table ${path} could not be read as CSV (${(e as Error).message.slice(0, 200)}); its rows were not imported.`);
    return [];
  }
}

/** Rows of a table, grouped by the value of one column. */
function indexBy(rows: Row[], column: string): Map<string, Row[]> {
  const index = new Map<string, Row[]>();
  for (const row of rows) {
    const key = row[column];
    if (!key) continue;
    const list = index.get(key);
    if (list) list.push(row);
    else index.set(key, [row]);
  }
  return index;
}

/** Rows that may belong to a service, found through any of the columns that link rows to their owners. */
class LinkedRows {
  private readonly by: Record<string, Map<string, Row[]>>;

  constructor(rows: Row[]) {
    this.by = Object.fromEntries(['service_id', 'service_at_location_id', 'contact_id', 'location_id', 'organization_id'].map((c) => [c, indexBy(rows, c)]));
  }

  candidates(links: { service_id: string[]; service_at_location_id: string[]; contact_id: string[]; location_id: string[]; organization_id: string[] }): Row[] {
    const found = new Set<Row>();
    for (const [column, keys] of Object.entries(links)) for (const k of keys) for (const r of this.by[column]?.get(k) ?? []) found.add(r);
    return [...found];
  }
}

/** Blank cells are absent values. */
function cells(row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (v !== '' && v !== undefined && v.toLowerCase() !== 'null') out[k] = v;
  return out;
}

export function readTabularPackage(pkg: TabularPackage, log: DefectLog): FeedService[] {
  const paths = tablePaths(pkg, log);
  const rowsOf = (t: Table): Row[] => (paths.get(t) ?? []).flatMap((p) => readRows(pkg.tables[p]!, p, log));
  if (!paths.has('service')) {
    log.feed(null, 'skipped', `No services table (services.csv) in this tabular feed${Object.keys(pkg.tables).length ? ` (tables found: ${Object.keys(pkg.tables).slice(0, 10).join(', ')})` : ''}; nothing to import.`);
    return [];
  }

  const services = rowsOf('service');
  const organizations = indexBy(rowsOf('organization'), 'id');
  const sals = rowsOf('service_at_location');
  const salsByService = indexBy(sals, 'service_id');
  const locations = indexBy(rowsOf('location'), 'id');
  const phones = new LinkedRows(rowsOf('phone'));
  const contacts = new LinkedRows(rowsOf('contact'));
  const addresses = indexBy(
    [
      ...rowsOf('address'),
      ...rowsOf('physical_address').map((r) => ({ ...r, address_type: r.address_type || 'physical' })),
      ...rowsOf('postal_address').map((r) => ({ ...r, address_type: r.address_type || 'postal' })),
    ],
    'location_id',
  );
  const schedules = new LinkedRows(rowsOf('schedule'));
  const holidays = new LinkedRows(rowsOf('holiday_schedule'));
  const eligibility = indexBy(rowsOf('eligibility'), 'service_id');
  const areas = indexBy(rowsOf('service_area'), 'service_id');
  const attributes = indexBy(rowsOf('attribute'), 'link_id');
  const taxonomyRows = rowsOf('taxonomy');
  // HSDS 1.1's `taxonomy` table holds the terms themselves (with a vocabulary); HSDS 3's holds vocabularies.
  const termsAreInTaxonomy = taxonomyRows.some((r) => 'vocabulary' in r) || !paths.has('taxonomy_term');
  const terms = indexBy(termsAreInTaxonomy ? [...rowsOf('taxonomy_term'), ...taxonomyRows] : rowsOf('taxonomy_term'), 'id');
  const vocabularies = indexBy(termsAreInTaxonomy ? [] : taxonomyRows, 'id');
  const serviceTaxonomy = indexBy(rowsOf('service_taxonomy'), 'service_id');
  const metadata = indexBy(rowsOf('metadata'), 'resource_id');

  const termOf = (id: string): FeedTaxonomyTerm | null => {
    const t = terms.get(id)?.[0];
    if (!t) return null;
    const vocabulary = t.vocabulary || t.taxonomy || (t.taxonomy_id ? vocabularies.get(t.taxonomy_id)?.[0]?.name : undefined);
    return { name: t.name || undefined, code: t.code || undefined, vocabulary: vocabulary || undefined };
  };

  return services.map((s): FeedService => {
    const problems: FeedService['problems'] = [];
    const id = s.id ?? '';
    const org = s.organization_id ? organizations.get(s.organization_id)?.[0] : undefined;
    if (s.organization_id && !org) problems.push({ field: 'organization_id', reason: `organization_id ${s.organization_id} is not in the organizations table.` });

    const siteRows = id ? (salsByService.get(id) ?? []) : [];
    const salIds = new Set(siteRows.map((r) => r.id).filter((v): v is string => Boolean(v)));
    const feedLocations: FeedLocation[] = [];
    const locationIds = new Set<string>();
    for (const sal of siteRows) {
      const l = sal.location_id ? locations.get(sal.location_id)?.[0] : undefined;
      if (!l) {
        problems.push({ field: 'service_at_location', reason: `service_at_location ${sal.id || '(no id)'} names location ${sal.location_id || '(none)'}, which is not in the locations table.` });
        continue;
      }
      locationIds.add(l.id!);
      feedLocations.push({
        id: l.id,
        name: l.name || undefined,
        locationType: l.location_type || undefined,
        latitude: l.latitude || undefined,
        longitude: l.longitude || undefined,
        addresses: (addresses.get(l.id!) ?? []).map((a) => addressFrom(cells(a), null)),
      });
    }
    const idList = id ? [id] : [];
    const contactIds = new Set(
      contacts
        .candidates({ service_id: idList, service_at_location_id: [...salIds], contact_id: [], location_id: [], organization_id: [] })
        .filter((c) => !c.service_id || c.service_id === id)
        .map((c) => c.id)
        .filter((c): c is string => Boolean(c)),
    );
    const links = { service_id: idList, service_at_location_id: [...salIds], contact_id: [...contactIds], location_id: [...locationIds], organization_id: s.organization_id ? [s.organization_id] : [] };

    // A row names several owners at once (HSDS 3's example phone names a service, a site, a
    // contact and an organisation); it belongs to the most specific, and never to this service
    // through a site or organisation when it names another service.
    const attachmentOf = (r: Row): FeedPhone['attachedTo'] | null => {
      if (r.service_id && r.service_id !== id) return null;
      if (r.service_id === id && id) return 'service';
      if (r.service_at_location_id && salIds.has(r.service_at_location_id)) return 'service_at_location';
      if (r.contact_id && contactIds.has(r.contact_id)) return 'contact';
      if (r.location_id && locationIds.has(r.location_id) && !r.service_at_location_id) return 'location';
      if (r.organization_id && r.organization_id === s.organization_id && !r.location_id && !r.service_at_location_id && !r.contact_id) return 'organization';
      return null;
    };
    const feedPhones = phones.candidates(links).flatMap((r): FeedPhone[] => {
      const attachedTo = attachmentOf(r);
      return attachedTo ? [{ attachedTo, id: r.id || undefined, number: r.number || undefined, extension: r.extension || undefined, type: r.type || undefined, description: r.description || r.department || undefined }] : [];
    });
    const scheduleAttachment = (r: Row) => {
      const a = attachmentOf(r);
      return a === 'service' || a === 'service_at_location' ? a : null;
    };

    const termIds = [
      ...(id ? (attributes.get(id) ?? []) : []).filter((a) => !a.link_entity || a.link_entity === 'service' || a.link_type === 'service').map((a) => a.taxonomy_term_id),
      ...(id ? (serviceTaxonomy.get(id) ?? []) : []).map((r) => r.taxonomy_id),
      ...(s.taxonomy_ids ?? '').split(/[\s,;]+/),
    ].filter((t): t is string => Boolean(t));
    const taxonomyTerms = [...new Set(termIds)].flatMap((t) => termOf(t) ?? []);

    const c = cells(s);
    return {
      id: c.id,
      name: c.name,
      description: c.description,
      url: c.url,
      email: c.email,
      status: c.status,
      alert: c.alert,
      applicationProcess: c.application_process,
      attendingAccess: c.attending_access,
      eligibilityDescription: c.eligibility_description,
      minimumAge: c.minimum_age,
      maximumAge: c.maximum_age,
      assuredDate: c.assured_date,
      lastModified: c.last_modified,
      metadataDates: (id ? (metadata.get(id) ?? []) : []).map((m) => m.last_action_date || undefined),
      organization: org ? { id: org.id || undefined, name: org.name || undefined, url: org.website || org.url || undefined } : null,
      phones: feedPhones,
      schedules: schedules.candidates(links).flatMap((r) => {
        const a = scheduleAttachment(r);
        return a ? [scheduleFrom(cells(r), a)] : [];
      }),
      holidaySchedules: holidays.candidates(links).filter((r) => scheduleAttachment(r) !== null).map((r) => holidayFrom(cells(r))),
      locations: feedLocations,
      serviceAreas: (id ? (areas.get(id) ?? []) : []).map((a) => ({
        id: a.id || undefined,
        texts: [a.service_area, a.name, a.description].map((t) => t || undefined),
        extent: a.extent || undefined,
        extentType: a.extent_type || undefined,
      })),
      eligibilities: (id ? (eligibility.get(id) ?? []) : []).map((e) => ({ text: e.eligibility || undefined, minimumAge: e.minimum_age || undefined, maximumAge: e.maximum_age || undefined })),
      taxonomyTerms,
      problems,
    };
  });
}
