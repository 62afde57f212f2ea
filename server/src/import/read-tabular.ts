import { createReadStream } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3-multiple-ciphers';
import { parse } from 'csv-parse';
import type { FeedProblems } from './defects';
import type { FeedLocation, FeedPhone, FeedService, FeedTaxonomyTerm } from './feed-model';
import type { ReadLimits, ReadRecord } from './feed-reader';
import { isObject } from './json-values';
import { addressFrom, holidayFrom, scheduleFrom } from './read-json-service';
import { countBytes, FeedTooLarge } from './read-limits';

/*
 * Tabular feeds: a datapackage.json and one CSV per table, HSDS 3.0 (`schedules`, `addresses`,
 * `attributes` → `taxonomy_terms`) or HSDS 1.1 (`regular_schedules`, `holiday_schedules`,
 * `physical_addresses`, `services_taxonomy` → `taxonomy`, `eligibility`). Tables are found through
 * the descriptor's resources, or by their usual file names when there is no descriptor.
 *
 * Every table is streamed into a scratch SQLite file (rows as JSON, the columns that link tables
 * indexed), so a feed of any size is read in flat memory; then every reference between tables is
 * checked, each dangling one reported with its table, row and field; then the services are
 * assembled one at a time, in the order of the services table, each row's related rows found
 * through the index. Row numbers are as a spreadsheet shows them: the header is row 1.
 */

/** The files of a tabular feed: the descriptor's text (if any) and each CSV, as text or as a file to stream. */
export interface TabularPackage {
  datapackage?: string;
  tables: Record<string, string | { file: string }>;
}

type Row = Record<string, string>;

type Table =
  | 'service' | 'organization' | 'service_at_location' | 'location' | 'phone' | 'contact' | 'address' | 'physical_address'
  | 'postal_address' | 'schedule' | 'holiday_schedule' | 'eligibility' | 'service_area' | 'attribute' | 'taxonomy_term'
  | 'taxonomy' | 'service_taxonomy' | 'metadata' | 'program' | 'language' | 'accessibility' | 'cost_option' | 'funding'
  | 'required_document' | 'organization_identifier' | 'payment_accepted' | 'service_capacity';

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
  program: ['program', 'programs'],
  language: ['language', 'languages'],
  accessibility: ['accessibility', 'accessibility_for_disabilities'],
  cost_option: ['cost_option', 'cost_options'],
  funding: ['funding', 'fundings'],
  required_document: ['required_document', 'required_documents'],
  organization_identifier: ['organization_identifier', 'organization_identifiers'],
  payment_accepted: ['payment_accepted', 'payments_accepted'],
  service_capacity: ['service_capacity', 'service_capacities'],
};

/** The columns that link rows to other tables' ids; indexed in the scratch database. */
const LINKS = [
  'id', 'service_id', 'location_id', 'service_at_location_id', 'contact_id', 'organization_id', 'link_id', 'taxonomy_id',
  'taxonomy_term_id', 'resource_id', 'parent_id', 'program_id', 'phone_id',
] as const;
type Link = (typeof LINKS)[number];

/** Table names a reference column points at (`link_id` and `resource_id` name theirs in another column). */
const TARGET: Partial<Record<Link, Table>> = {
  service_id: 'service', location_id: 'location', service_at_location_id: 'service_at_location', contact_id: 'contact',
  organization_id: 'organization', taxonomy_term_id: 'taxonomy_term', program_id: 'program', phone_id: 'phone',
};

/** Every reference between tables: [table, column, table it points at]. */
const REFERENCES: [Table, Link, Table][] = [
  ['service', 'organization_id', 'organization'], ['service', 'program_id', 'program'],
  ['service_at_location', 'service_id', 'service'], ['service_at_location', 'location_id', 'location'],
  ['location', 'organization_id', 'organization'], ['program', 'organization_id', 'organization'],
  ...(['phone', 'contact', 'schedule', 'holiday_schedule', 'service_area', 'language', 'cost_option', 'funding', 'required_document', 'eligibility', 'payment_accepted', 'service_capacity', 'accessibility', 'address', 'physical_address', 'postal_address', 'organization_identifier'] as const).flatMap(
    (t): [Table, Link, Table][] => (['service_id', 'location_id', 'service_at_location_id', 'contact_id', 'organization_id', 'phone_id'] as const).map((c): [Table, Link, Table] => [t, c, TARGET[c]!]),
  ),
  ['attribute', 'taxonomy_term_id', 'taxonomy_term'], ['service_taxonomy', 'service_id', 'service'],
];

const HSDS_ENTITY: Record<string, Table> = {
  service: 'service', services: 'service', location: 'location', locations: 'location', organization: 'organization', organizations: 'organization',
  service_at_location: 'service_at_location', phone: 'phone', contact: 'contact',
};

const baseName = (p: string) => p.split(/[\\/]/).pop()!.replace(/\.csv$/i, '').toLowerCase();

interface Found {
  paths: Map<Table, string[]>;
  /** Tables the descriptor lists whose file is not in the feed. */
  missing: { table: Table; path: string }[];
}

function findTables(pkg: TabularPackage, problems: FeedProblems): Found {
  const byName = new Map<string, string[]>();
  const add = (name: string, p: string) => byName.set(name, [...(byName.get(name) ?? []), p]);
  let descriptor: unknown;
  if (pkg.datapackage !== undefined) {
    try {
      descriptor = JSON.parse(pkg.datapackage);
    } catch (e) {
      problems.note('datapackage.json', `datapackage.json is not valid JSON (${(e as Error).message.slice(0, 120)}); tables were found by their file names instead.`);
    }
  }
  const resources = isObject(descriptor) && Array.isArray(descriptor.resources) ? descriptor.resources.filter(isObject) : [];
  const described = new Set<string>();
  const missing: Found['missing'] = [];
  const tableOfName = (name: string) => (Object.entries(NAMES) as [Table, string[]][]).find(([, names]) => names.includes(name))?.[0];
  for (const r of resources) {
    const p = typeof r.path === 'string' ? r.path : null;
    if (!p || typeof r.name !== 'string') continue;
    if (Object.hasOwn(pkg.tables, p)) {
      add(r.name.toLowerCase(), p);
      described.add(p);
    } else if (!Object.keys(pkg.tables).some((t) => baseName(t) === baseName(p))) {
      const table = tableOfName(r.name.toLowerCase()) ?? tableOfName(baseName(p));
      if (table) missing.push({ table, path: p });
    }
  }
  for (const p of Object.keys(pkg.tables)) if (!described.has(p)) add(baseName(p), p);

  const paths = new Map<Table, string[]>();
  for (const [table, names] of Object.entries(NAMES) as [Table, string[]][]) {
    const found = names.flatMap((n) => byName.get(n) ?? []);
    if (found.length > 0) paths.set(table, [...new Set(found)]);
  }
  return { paths, missing };
}

/** Blank cells and the text "null" are absent values. */
function cells(row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (v !== '' && v !== undefined && v.toLowerCase() !== 'null') out[k] = v;
  return out;
}

const quoteValue = (v: string) => `“${v.length > 60 ? `${v.slice(0, 59)}…` : v}”`;

/** The scratch database the tables are streamed into. */
class TableStore {
  readonly db: Database.Database;
  private readonly dir: string;
  private readonly stmts = new Map<string, Database.Statement>();
  readonly tables = new Set<Table>();
  /** The link columns each table fills in (indexed); a lookup by any other finds nothing, without a scan. */
  private readonly linked = new Map<Table, Set<Link>>();
  private termsInTaxonomy: boolean | null = null;

  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-tabular-'));
    this.db = new Database(path.join(this.dir, 'feed.db'));
    // Scratch data: nothing here must survive a crash, and the page cache is kept small (16 MiB).
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('cache_size = -16000');
    this.db.pragma('temp_store = FILE');
  }

  create(table: Table): void {
    if (this.tables.has(table)) return;
    this.db.exec(`CREATE TABLE t_${table} (file TEXT NOT NULL, row INTEGER NOT NULL, data TEXT NOT NULL, ${LINKS.map((l) => `${l} TEXT`).join(', ')})`);
    this.tables.add(table);
  }

  index(): void {
    for (const table of this.tables) {
      const used = new Set<Link>();
      for (const link of LINKS) {
        if (!this.db.prepare(`SELECT 1 FROM t_${table} WHERE ${link} IS NOT NULL LIMIT 1`).get()) continue;
        this.db.exec(`CREATE INDEX t_${table}_${link} ON t_${table} (${link})`);
        used.add(link);
      }
      this.linked.set(table, used);
    }
    this.db.exec('ANALYZE');
  }

  /** HSDS 1.1's `taxonomy` table holds the terms themselves (with a vocabulary); HSDS 3's holds vocabularies. */
  get taxonomyRowsAreTerms(): boolean {
    this.termsInTaxonomy ??= this.tables.has('taxonomy') && (!this.tables.has('taxonomy_term') || this.statement("SELECT 1 FROM t_taxonomy WHERE json_extract(data, '$.vocabulary') IS NOT NULL LIMIT 1").get() !== undefined);
    return this.termsInTaxonomy;
  }

  statement(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Rows of a table whose column holds one of the values, each once, in file order (by the index, then rowid). */
  rows(table: Table, column: Link, values: readonly string[]): Row[] {
    return this.rowsWithIds(table, column, values).map((r) => r.row);
  }

  rowsWithIds(table: Table, column: Link, values: readonly string[]): { rowid: number; row: Row }[] {
    if (values.length === 0 || !this.linked.get(table)?.has(column)) return [];
    const one = this.statement(`SELECT rowid, data FROM t_${table} WHERE ${column} = ?`);
    const out: { rowid: number; row: Row }[] = [];
    const seen = new Set<number>();
    for (const value of new Set(values)) {
      for (const r of one.all(value) as { rowid: number; data: string }[]) {
        if (seen.has(r.rowid)) continue;
        seen.add(r.rowid);
        out.push({ rowid: r.rowid, row: JSON.parse(r.data) as Row });
      }
    }
    return values.length > 1 ? out.sort((a, b) => a.rowid - b.rowid) : out;
  }

  close(): void {
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Streams one CSV file into its table, counting its bytes against the feed's limit. */
async function loadTable(store: TableStore, table: Table, file: string, source: string | { file: string }, problems: FeedProblems, limits: ReadLimits, bytes: { read: number }): Promise<void> {
  store.create(table);
  const input = typeof source === 'string' ? Readable.from([Buffer.from(source, 'utf8')]) : createReadStream(source.file);
  const parser = parse({ columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), bom: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true, trim: true });
  const insert = store.db.prepare(`INSERT INTO t_${table} (file, row, data, ${LINKS.join(', ')}) VALUES (?, ?, ?, ${LINKS.map(() => '?').join(', ')})`);
  const flush = store.db.transaction((rows: [number, Row][]) => {
    for (const [n, row] of rows) insert.run(file, n, JSON.stringify(row), ...LINKS.map((l) => (row[l] ? row[l] : null)));
  });
  let batch: [number, Row][] = [];
  let n = 1;
  const counted = countBytes(input, limits.maxBytes, bytes);
  const piped = Readable.from(counted).pipe(parser);
  try {
    for await (const row of piped as AsyncIterable<Row>) {
      batch.push([++n, row]);
      if (batch.length >= 2000) {
        flush(batch);
        batch = [];
      }
    }
    flush(batch);
  } catch (e) {
    flush(batch);
    if (e instanceof FeedTooLarge) throw e;
    problems.partial(file, `The table ${file} could not be read as CSV after row ${n} (${(e as Error).message.replace(/\s+/g, ' ').slice(0, 160)}); its later rows were not read.`);
  } finally {
    input.destroy();
  }
}

/** The phone, site and schedule rows that belong to one service, and how. */
function assembleService(store: TableStore, s: Row, problems: { field: string; reason: string }[]): FeedService {
  const id = s.id ?? '';
  const idList = id ? [id] : [];
  const org = s.organization_id ? store.rows('organization', 'id', [s.organization_id])[0] : undefined;
  if (s.organization_id && !org) problems.push({ field: 'organization_id', reason: `organization_id ${s.organization_id} is not in the organizations table.` });

  const siteRows = store.rows('service_at_location', 'service_id', idList);
  const salIds = new Set(siteRows.map((r) => r.id).filter((v): v is string => Boolean(v)));
  const feedLocations: FeedLocation[] = [];
  const locationIds = new Set<string>();
  for (const sal of siteRows) {
    const l = sal.location_id ? store.rows('location', 'id', [sal.location_id])[0] : undefined;
    if (!l) {
      problems.push({ field: 'service_at_location', reason: `service_at_location ${sal.id || '(no id)'} names location ${sal.location_id || '(none)'}, which is not in the locations table.` });
      continue;
    }
    locationIds.add(l.id!);
    const addresses = [
      ...store.rows('address', 'location_id', [l.id!]),
      ...store.rows('physical_address', 'location_id', [l.id!]).map((r) => ({ ...r, address_type: r.address_type || 'physical' })),
      ...store.rows('postal_address', 'location_id', [l.id!]).map((r) => ({ ...r, address_type: r.address_type || 'postal' })),
    ];
    feedLocations.push({
      id: l.id,
      name: l.name || undefined,
      locationType: l.location_type || undefined,
      latitude: l.latitude || undefined,
      longitude: l.longitude || undefined,
      addresses: addresses.map((a) => addressFrom(cells(a), null)),
    });
  }
  const contactIds = new Set(
    [...store.rows('contact', 'service_id', idList), ...store.rows('contact', 'service_at_location_id', [...salIds])]
      .filter((c) => !c.service_id || c.service_id === id)
      .map((c) => c.id)
      .filter((c): c is string => Boolean(c)),
  );
  const links: [Link, string[]][] = [
    ['service_id', idList], ['service_at_location_id', [...salIds]], ['contact_id', [...contactIds]], ['location_id', [...locationIds]], ['organization_id', s.organization_id ? [s.organization_id] : []],
  ];
  const linked = (table: Table): Row[] => {
    const seen = new Set<number>();
    const out: { rowid: number; row: Row }[] = [];
    for (const [column, values] of links) {
      for (const r of store.rowsWithIds(table, column, values)) {
        if (seen.has(r.rowid)) continue;
        seen.add(r.rowid);
        out.push(r);
      }
    }
    return out.sort((a, b) => a.rowid - b.rowid).map((r) => r.row);
  };

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
  const feedPhones = linked('phone').flatMap((r): FeedPhone[] => {
    const attachedTo = attachmentOf(r);
    return attachedTo ? [{ attachedTo, id: r.id || undefined, number: r.number || undefined, extension: r.extension || undefined, type: r.type || undefined, description: r.description || r.department || undefined }] : [];
  });
  const scheduleAttachment = (r: Row) => {
    const a = attachmentOf(r);
    return a === 'service' || a === 'service_at_location' ? a : null;
  };

  const taxonomyRowsAreTerms = store.taxonomyRowsAreTerms;
  const termOf = (termId: string): FeedTaxonomyTerm | null => {
    const t = store.rows('taxonomy_term', 'id', [termId])[0] ?? (taxonomyRowsAreTerms ? store.rows('taxonomy', 'id', [termId])[0] : undefined);
    if (!t) return null;
    const vocabulary = t.vocabulary || t.taxonomy || (t.taxonomy_id && !taxonomyRowsAreTerms ? store.rows('taxonomy', 'id', [t.taxonomy_id])[0]?.name : undefined);
    return { name: t.name || undefined, code: t.code || undefined, vocabulary: vocabulary || undefined };
  };
  const termIds = [
    ...store.rows('attribute', 'link_id', idList).filter((a) => !a.link_entity || a.link_entity === 'service' || a.link_type === 'service').map((a) => a.taxonomy_term_id),
    ...store.rows('service_taxonomy', 'service_id', idList).map((r) => r.taxonomy_id),
    ...(s.taxonomy_ids ?? '').split(/[\s,;]+/),
  ].filter((t): t is string => Boolean(t));

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
    metadataDates: store.rows('metadata', 'resource_id', idList).map((m) => m.last_action_date || undefined),
    organization: org ? { id: org.id || undefined, name: org.name || undefined, url: org.website || org.url || undefined } : null,
    phones: feedPhones,
    schedules: linked('schedule').flatMap((r) => {
      const a = scheduleAttachment(r);
      return a ? [scheduleFrom(cells(r), a)] : [];
    }),
    holidaySchedules: linked('holiday_schedule').filter((r) => scheduleAttachment(r) !== null).map((r) => holidayFrom(cells(r))),
    locations: feedLocations,
    serviceAreas: store.rows('service_area', 'service_id', idList).map((a) => ({
      id: a.id || undefined,
      texts: [a.service_area, a.name, a.description].map((t) => t || undefined),
      extent: a.extent || undefined,
      extentType: a.extent_type || undefined,
    })),
    eligibilities: store.rows('eligibility', 'service_id', idList).map((e) => ({ text: e.eligibility || undefined, minimumAge: e.minimum_age || undefined, maximumAge: e.maximum_age || undefined })),
    taxonomyTerms: [...new Set(termIds)].flatMap((t) => termOf(t) ?? []),
    problems,
  };
}

/** At most this many dangling references are listed one by one; the rest are counted. */
const MAX_LISTED_REFERENCES = 5000;

/** Every reference between the tables, checked: each dangling one reported with its table, row and field. */
function checkReferences(store: TableStore, fileOf: (t: Table) => string, problems: FeedProblems): void {
  let listed = 0;
  let unlisted = 0;
  const report = (where: string, reason: string) => {
    if (listed < MAX_LISTED_REFERENCES) {
      problems.note(where, reason);
      listed++;
    } else unlisted++;
  };
  const checks: [Table, Link, Table][] = [...REFERENCES];
  // Taxonomy terms point at their vocabulary (HSDS 3) or their parent term (HSDS 1.1 keeps terms in `taxonomy`).
  checks.push(['taxonomy_term', 'taxonomy_id', 'taxonomy'], ['taxonomy_term', 'parent_id', 'taxonomy_term'], ['taxonomy', 'parent_id', 'taxonomy']);
  const termsInTaxonomy = store.tables.has('taxonomy') && !store.tables.has('taxonomy_term');
  checks.push(['service_taxonomy', 'taxonomy_id', termsInTaxonomy ? 'taxonomy' : 'taxonomy_term']);
  for (const [table, column, target] of checks) {
    if (!store.tables.has(table)) continue;
    if (!store.tables.has(target)) {
      const [row] = store.statement(`SELECT count(*) AS n FROM t_${table} WHERE ${column} IS NOT NULL`).all() as { n: number }[];
      if (row!.n > 0) report(`${fileOf(table)}, ${column}`, `${column} is filled in on ${row!.n} row${row!.n === 1 ? '' : 's'} of ${fileOf(table)}, but the feed has no ${NAMES[target][1] ?? target} table, so none of them can be followed.`);
      continue;
    }
    const dangling = store.statement(
      `SELECT t.file, t.row, t.${column} AS value FROM t_${table} t WHERE t.${column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM t_${target} p WHERE p.id = t.${column})
       ORDER BY t.file, t.row LIMIT ${MAX_LISTED_REFERENCES + 1}`,
    ).all() as { file: string; row: number; value: string }[];
    for (const d of dangling) report(`${d.file} row ${d.row}, ${column}`, `${column} ${quoteValue(d.value)} is not an id in ${fileOf(target)}; this row was not attached to anything through it.`);
  }
  // Attributes and metadata name the table their link points into.
  for (const [table, column, kinds] of [['attribute', 'link_id', ['link_entity', 'link_type']], ['metadata', 'resource_id', ['resource_type']]] as const) {
    if (!store.tables.has(table)) continue;
    const kind = `lower(coalesce(${kinds.map((k) => `json_extract(t.data, '$.${k}')`).join(', ')}, ''))`;
    for (const [name, target] of Object.entries(HSDS_ENTITY)) {
      if (!store.tables.has(target)) continue;
      const dangling = store.statement(
        `SELECT t.file, t.row, t.${column} AS value FROM t_${table} t WHERE t.${column} IS NOT NULL AND ${kind} = '${name}'
         AND NOT EXISTS (SELECT 1 FROM t_${target} p WHERE p.id = t.${column}) ORDER BY t.file, t.row LIMIT ${MAX_LISTED_REFERENCES + 1}`,
      ).all() as { file: string; row: number; value: string }[];
      for (const d of dangling) report(`${d.file} row ${d.row}, ${column}`, `${column} ${quoteValue(d.value)} is not an id in ${fileOf(target)}; this row was not attached to anything through it.`);
    }
  }
  // Ids that two rows of one table share: a join through them is ambiguous.
  for (const table of store.tables) {
    if (table === 'service') continue; // duplicate services are reported record by record
    const shared = store.statement(`SELECT id, group_concat(file || ' row ' || row, ', ') AS at, count(*) AS n FROM t_${table} WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1 ORDER BY min(row) LIMIT ${MAX_LISTED_REFERENCES}`).all() as { id: string; at: string; n: number }[];
    for (const s of shared) {
      report(`${fileOf(table)}, id`, `The id ${quoteValue(s.id)} is used by ${s.n} rows (${s.at}); rows that point at it may be attached to the wrong one.`);
    }
  }
  if (unlisted > 0) problems.note(null, `${unlisted} more dangling references were found; only the first ${MAX_LISTED_REFERENCES} are listed.`);
}

/**
 * The services of a tabular feed, one record per row of its services table, in order, with every
 * dangling reference between its tables reported in `problems` first.
 */
export async function* readTabular(pkg: TabularPackage, problems: FeedProblems, limits: ReadLimits): AsyncGenerator<ReadRecord> {
  const { paths, missing } = findTables(pkg, problems);
  for (const m of missing) {
    problems.partial(m.path, `datapackage.json lists ${m.path}, but the file is not in the feed: the ${m.table.replace(/_/g, ' ')} rows it holds could not be read, so services may lack details and nothing was withdrawn.`);
  }
  if (!paths.has('service')) {
    problems.partial(null, `No services table (services.csv) in this tabular feed${Object.keys(pkg.tables).length ? ` (tables found: ${Object.keys(pkg.tables).slice(0, 10).join(', ')})` : ''}; nothing to import.`);
    return;
  }
  const store = new TableStore();
  try {
    const bytes = { read: 0 };
    for (const [table, files] of paths) {
      for (const file of files) {
        try {
          await loadTable(store, table, file, pkg.tables[file]!, problems, limits, bytes);
        } catch (e) {
          if (!(e instanceof FeedTooLarge)) throw e;
          problems.partial(file, `Reading stopped in ${file}: the feed is larger than the ${limits.maxBytes} bytes accepted; later rows and tables were not read.`);
          return;
        }
      }
    }
    store.index();
    const fileOf = (t: Table) => paths.get(t)?.join(' + ') ?? `${NAMES[t][1] ?? t}.csv`;
    checkReferences(store, fileOf, problems);
    // A page of services at a time: better-sqlite3 runs no other statement while one is iterated.
    const page = store.statement('SELECT rowid, file, row, data FROM t_service WHERE rowid > ? ORDER BY rowid LIMIT 500');
    for (let after = 0; ; ) {
      const services = page.all(after) as { rowid: number; file: string; row: number; data: string }[];
      if (services.length === 0) break;
      after = services.at(-1)!.rowid;
      for (const s of services) yield { place: `${s.file} row ${s.row}`, record: assembleService(store, JSON.parse(s.data) as Row, []) };
    }
  } finally {
    store.close();
  }
}
