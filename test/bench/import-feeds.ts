import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { once } from 'node:events';
import type { DirectoryService } from '../../shared/domain/directory';
import type { WeeklySession } from '../../shared/domain/schedule';

/*
 * ORUK feeds of the synthetic directory, for the import benchmark: the same services as an HSDS
 * 3.0 JSON document (streamed from a file), as a paged ORUK API on 127.0.0.1, and as tabular CSV
 * tables. Records carry what real feeds carry: words around phone numbers, weekly schedules with
 * dated holiday hours, sites with coordinates and postcodes, areas served, a taxonomy term.
 */

export const BENCH_VOCABULARY = 'crisis-desk-bench';

const DAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const byday = (days: number[]) => days.map((d) => DAY_CODES[d - 1]).join(',');

function phoneText(number: string, i: number): string {
  // A third of the numbers come with words around them, as feeds write them.
  return i % 3 === 0 ? `Call ${number} (free, any time)` : i % 3 === 1 ? number : `Tel: ${number}`;
}

function weeklyOf(s: DirectoryService): WeeklySession[] {
  return s.schedule.alwaysOpen ? [{ days: [1, 2, 3, 4, 5, 6, 7], opens: '00:00', closes: '24:00' }] : s.schedule.weekly;
}

/** One synthetic service as an HSDS 3.0 service_full record. */
export function orukRecord(s: DirectoryService, i: number): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    url: s.url,
    email: s.email,
    status: s.status === 'temporarily_closed' ? 'inactive' : s.status,
    alert: s.alert,
    minimum_age: s.ageMin,
    maximum_age: s.ageMax,
    eligibility_description: s.eligibility,
    application_process: s.referral.how,
    assured_date: s.lastVerified,
    organization: { id: s.organisation.id, name: s.organisation.name, website: s.organisation.url },
    phones: s.phones.map((p, k) => ({ id: `${s.id}-p${k}`, number: phoneText(p.number, i + k), type: p.type === 'text' ? 'sms' : 'voice', description: p.label })),
    schedules: [
      ...weeklyOf(s).map((w, k) => ({ id: `${s.id}-s${k}`, freq: 'WEEKLY', byday: byday(w.days), opens_at: `${w.opens}:00`, closes_at: w.closes === '24:00' ? '23:59:00' : `${w.closes}:00` })),
      ...(s.schedule.note ? [{ id: `${s.id}-note`, description: s.schedule.note }] : []),
    ],
    holiday_schedules: s.schedule.exceptions.map((e, k) => ({
      id: `${s.id}-h${k}`,
      closed: e.sessions.length === 0,
      start_date: e.from,
      end_date: e.to,
      ...(e.sessions[0] ? { opens_at: e.sessions[0].opens, closes_at: e.sessions[0].closes } : {}),
    })),
    service_at_locations: s.locations.map((l, k) => ({
      id: `${s.id}-sal${k}`,
      location: { id: l.id, name: l.name, latitude: l.lat, longitude: l.lon, addresses: l.postcode ? [{ address_1: l.address, postal_code: l.postcode, address_type: 'physical' }] : [] },
    })),
    service_areas: s.coverage.national ? [{ id: `${s.id}-a`, name: 'England' }] : s.coverage.postcodes.length ? [{ id: `${s.id}-a`, name: s.coverage.postcodes.join(', ') }] : [],
    attributes: [{ id: `${s.id}-t`, taxonomy_term: { id: `term-${s.type}`, name: s.type, vocabulary: BENCH_VOCABULARY } }],
  };
}

async function write(stream: ReturnType<typeof createWriteStream>, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function close(stream: ReturnType<typeof createWriteStream>): Promise<void> {
  await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/** The feed as one JSON document ({ total_items, total_pages: 1, contents: [...] }), written record by record. */
export async function writeJsonFeed(file: string, services: readonly DirectoryService[]): Promise<void> {
  const out = createWriteStream(file);
  await write(out, `{"total_items":${services.length},"total_pages":1,"page_number":1,"contents":[`);
  for (let i = 0; i < services.length; i++) await write(out, `${i ? ',' : ''}${JSON.stringify(orukRecord(services[i]!, i))}`);
  await write(out, ']}');
  await close(out);
}

const csvCell = (v: unknown) => {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The parts of orukRecord's output the tables are written from. */
interface OrukRecord extends Record<string, unknown> {
  id: string;
  organization: { id: string; name: string; website?: string };
  phones: Record<string, unknown>[];
  schedules: Record<string, unknown>[];
  service_at_locations: { id: string; location: { id: string; addresses: Record<string, unknown>[] } & Record<string, unknown> }[];
  service_areas: Record<string, unknown>[];
}

/** The feed as HSDS 3.0 CSV tables in a folder. */
export async function writeTabularFeed(dir: string, services: readonly DirectoryService[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const tables = {
    services: ['id', 'organization_id', 'name', 'description', 'url', 'email', 'status', 'alert', 'minimum_age', 'maximum_age', 'eligibility_description', 'application_process', 'assured_date'],
    organizations: ['id', 'name', 'website'],
    phones: ['id', 'service_id', 'number', 'type', 'description'],
    schedules: ['id', 'service_id', 'freq', 'byday', 'opens_at', 'closes_at', 'description'],
    locations: ['id', 'name', 'latitude', 'longitude'],
    addresses: ['id', 'location_id', 'address_1', 'postal_code', 'address_type'],
    service_at_locations: ['id', 'service_id', 'location_id'],
    service_areas: ['id', 'service_id', 'name'],
    attributes: ['id', 'link_id', 'link_type', 'taxonomy_term_id'],
    taxonomy_terms: ['id', 'name', 'vocabulary'],
  } as const;
  const streams = Object.fromEntries(Object.entries(tables).map(([name, cols]) => {
    const s = createWriteStream(path.join(dir, `${name}.csv`));
    s.write(`${cols.join(',')}\n`);
    return [name, s];
  })) as Record<keyof typeof tables, ReturnType<typeof createWriteStream>>;
  const row = (t: keyof typeof tables, values: Record<string, unknown>) => write(streams[t], `${tables[t].map((c) => csvCell(values[c])).join(',')}\n`);
  const orgs = new Set<string>();
  const locations = new Set<string>();
  for (const type of new Set(services.map((s) => s.type))) await row('taxonomy_terms', { id: `term-${type}`, name: type, vocabulary: BENCH_VOCABULARY });
  for (let i = 0; i < services.length; i++) {
    const r = orukRecord(services[i]!, i) as OrukRecord;
    await row('services', { ...r, organization_id: r.organization.id });
    if (!orgs.has(r.organization.id)) {
      orgs.add(r.organization.id);
      await row('organizations', r.organization);
    }
    for (const p of r.phones) await row('phones', { ...p, service_id: r.id });
    for (const s of r.schedules) await row('schedules', { ...s, service_id: r.id });
    for (const sal of r.service_at_locations) {
      await row('service_at_locations', { id: sal.id, service_id: r.id, location_id: sal.location.id });
      if (locations.has(sal.location.id)) continue;
      locations.add(sal.location.id);
      await row('locations', sal.location);
      for (const [k, a] of sal.location.addresses.entries()) await row('addresses', { ...a, id: `${sal.location.id}-a${k}`, location_id: sal.location.id });
    }
    for (const a of r.service_areas) await row('service_areas', { ...a, service_id: r.id });
    await row('attributes', { id: `${r.id}-t`, link_id: r.id, link_type: 'service', taxonomy_term_id: `term-${services[i]!.type}` });
  }
  for (const s of Object.values(streams)) await close(s);
}

/** The feed as a paged ORUK API on 127.0.0.1 (pages of full records, as ORUK v1 APIs serve them). */
export async function serveApiFeed(services: readonly DirectoryService[], perPage: number): Promise<{ url: string; close(): Promise<void> }> {
  const pages = Math.max(1, Math.ceil(services.length / perPage));
  const server: Server = createServer((req, res) => {
    const n = Number(/[?&]page=(\d+)/.exec(req.url ?? '')?.[1] ?? '0');
    if (n < 1 || n > pages) return res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    const contents = services.slice((n - 1) * perPage, n * perPage).map((s, k) => orukRecord(s, (n - 1) * perPage + k));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ total_items: services.length, total_pages: pages, page_number: n, size: perPage, first_page: n === 1, last_page: n === pages, contents }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
