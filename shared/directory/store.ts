import type { DirectoryService } from '../domain/directory';
import type { LocalCorrection, ServiceReport } from '../domain/directory-quality';
import { Schedule } from '../domain/schedule';
import { referralRouteMask, referralRoutesFromMask, type PhoneType, type ServiceStatus, type ServiceType } from '../domain/service-types';
import { compileSchedule } from '../lib/opening-hours';
import type { SqlDatabase, SqlStatement } from './sql-database';

/** The text of a service's row in service_fts, column by column (name, organisation, area, keywords, description). */
export function ftsTextOf(s: DirectoryService): [string, string, string, string, string] {
  return [s.name, s.organisation.name, areaText(s), s.keywords.join(' '), s.description ?? ''];
}

/** The words a service is found by beyond its name: where it is and what it covers. */
function areaText(s: DirectoryService): string {
  const parts = [s.coverage.description ?? '', ...s.coverage.postcodes];
  for (const l of s.locations) parts.push(l.name ?? '', l.address ?? '', l.postcode ?? '');
  return parts.filter(Boolean).join(' ');
}

const SERVICE_COLUMNS = [
  'id', 'organisation_id', 'name', 'description', 'type', 'status', 'alert', 'url', 'email', 'age_min', 'age_max', 'eligibility',
  'referral_routes', 'referral_how', 'national', 'coverage_codes', 'coverage_description', 'keywords', 'last_verified', 'schedule_id', 'version',
  'open_reports', 'local_corrections',
] as const;

/** Writes services into a directory.db in the shared schema; the caller owns the transaction. */
export class DirectoryWriter {
  private readonly stmts: Record<string, SqlStatement>;
  private readonly scheduleIds = new Map<string, number>();

  constructor(db: SqlDatabase) {
    const p = (sql: string) => db.prepare(sql);
    this.stmts = {
      existing: p('SELECT rowid, coverage_codes FROM service WHERE id = ?'),
      // Many services share an organisation: rewrite its row only when it changed.
      org: p(`INSERT INTO organisation (id, name, url) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, url = excluded.url
        WHERE name IS NOT excluded.name OR url IS NOT excluded.url`),
      insert: p(`INSERT INTO service (${SERVICE_COLUMNS.join(', ')}, rowid) VALUES (${SERVICE_COLUMNS.map(() => '?').join(', ')}, ?)`),
      update: p(`UPDATE service SET ${SERVICE_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE rowid = ?`),
      deleteService: p('DELETE FROM service WHERE rowid = ?'),
      deleteLocations: p('DELETE FROM location WHERE service_rowid = ?'),
      deletePhones: p('DELETE FROM phone WHERE service_rowid = ?'),
      deleteCoverage: p('DELETE FROM coverage WHERE code = ? AND service_rowid = ?'),
      deleteFts: p('DELETE FROM service_fts WHERE rowid = ?'),
      location: p('INSERT INTO location (service_rowid, ord, id, name, address, postcode, lat, lon) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      phone: p('INSERT INTO phone (service_rowid, ord, number, type, label, not_working) VALUES (?, ?, ?, ?, ?, ?)'),
      coverage: p('INSERT OR IGNORE INTO coverage (code, service_rowid) VALUES (?, ?)'),
      scheduleId: p('SELECT rowid FROM schedule WHERE source = ?'),
      schedule: p('INSERT INTO schedule (source, compiled) VALUES (?, ?)'),
      fts: p('INSERT INTO service_fts (rowid, name, organisation, area, keywords, description) VALUES (?, ?, ?, ?, ?, ?)'),
      maxRowid: p('SELECT coalesce(max(rowid), 0) AS m FROM service'),
    };
  }

  private remove(rowid: number, coverageCodes: string): void {
    for (const code of JSON.parse(coverageCodes) as string[]) this.stmts.deleteCoverage!.run(code, rowid);
    for (const k of ['deleteLocations', 'deletePhones', 'deleteFts', 'deleteService']) this.stmts[k]!.run(rowid);
  }

  /** The id of this schedule in the schedule table, adding it when no service has used it yet. */
  private scheduleIdOf(schedule: Schedule): number {
    const source = JSON.stringify(schedule);
    let id = this.scheduleIds.get(source) ?? (this.stmts.scheduleId!.get(source) as { rowid: number } | undefined)?.rowid;
    if (id === undefined) {
      const compiled = compileSchedule(schedule);
      id = Number(this.stmts.schedule!.run(source, new Uint8Array(compiled.buffer, compiled.byteOffset, compiled.byteLength)).lastInsertRowid);
    }
    this.scheduleIds.set(source, id);
    return id;
  }

  /** Inserts or replaces a service; returns its rowid (kept when the service already existed). */
  put(s: DirectoryService, version: number): number {
    const st = this.stmts;
    const existing = st.existing!.get(s.id) as { rowid: number; coverage_codes: string } | undefined;
    st.org!.run(s.organisation.id, s.organisation.name, s.organisation.url ?? null);
    const values = this.serviceValues(s, version);
    let rowid: number;
    if (existing) {
      // Updated in place, keeping its rowid: only the rows and coverage codes that change are rewritten.
      rowid = existing.rowid;
      st.update!.run(...values, rowid);
      for (const k of ['deleteLocations', 'deletePhones', 'deleteFts']) st[k]!.run(rowid);
      this.updateCoverage(rowid, JSON.parse(existing.coverage_codes) as string[], s.coverage.postcodes);
    } else {
      rowid = (st.maxRowid!.get() as { m: number }).m + 1;
      st.insert!.run(...values, rowid);
      for (const code of s.coverage.postcodes) st.coverage!.run(code, rowid);
    }
    s.locations.forEach((l, i) => st.location!.run(rowid, i, l.id, l.name ?? null, l.address ?? null, l.postcode ?? null, l.lat, l.lon));
    s.phones.forEach((ph, i) => st.phone!.run(rowid, i, ph.number, ph.type, ph.label ?? null, ph.notWorking ? 1 : null));
    st.fts!.run(rowid, ...ftsTextOf(s));
    return rowid;
  }

  /** Values of SERVICE_COLUMNS, in order. */
  private serviceValues(s: DirectoryService, version: number): unknown[] {
    return [
      s.id, s.organisation.id, s.name, s.description ?? null, s.type, s.status, s.alert ?? null, s.url ?? null, s.email ?? null,
      s.ageMin, s.ageMax, s.eligibility ?? null, referralRouteMask(s.referral.routes), s.referral.how, s.coverage.national ? 1 : 0,
      JSON.stringify(s.coverage.postcodes), s.coverage.description ?? null, JSON.stringify(s.keywords), s.lastVerified, this.scheduleIdOf(s.schedule), version,
      s.openReports?.length ? JSON.stringify(s.openReports) : null, s.localCorrections?.length ? JSON.stringify(s.localCorrections) : null,
    ];
  }

  /** Changes only the coverage rows that differ: most updates leave the area served as it was. */
  private updateCoverage(rowid: number, before: readonly string[], after: readonly string[]): void {
    const keep = new Set(after);
    const had = new Set(before);
    for (const code of had) if (!keep.has(code)) this.stmts.deleteCoverage!.run(code, rowid);
    for (const code of keep) if (!had.has(code)) this.stmts.coverage!.run(code, rowid);
  }

  /** Removes a service; returns its former rowid, or null when it was not there. */
  delete(id: string): number | null {
    const existing = this.stmts.existing!.get(id) as { rowid: number; coverage_codes: string } | undefined;
    if (!existing) return null;
    this.remove(existing.rowid, existing.coverage_codes);
    return existing.rowid;
  }
}

interface ServiceRow {
  rowid: number; id: string; organisation_id: string; org_name: string; org_url: string | null; name: string; description: string | null;
  type: ServiceType; status: ServiceStatus; alert: string | null; url: string | null; email: string | null; age_min: number | null;
  age_max: number | null; eligibility: string | null; referral_routes: number; referral_how: string; national: number;
  coverage_codes: string; coverage_description: string | null; keywords: string; last_verified: string | null; schedule_id: number; schedule: string;
  open_reports: string | null; local_corrections: string | null;
}

interface LocationRow {
  service_rowid: number; id: string; name: string | null; address: string | null; postcode: string | null; lat: number; lon: number;
}
interface PhoneRow {
  service_rowid: number; number: string; type: PhoneType; label: string | null; not_working: number | null;
}

/** Reads whole services by rowid, in one query per table whatever the number asked for. */
export class DirectoryReader {
  private readonly services: SqlStatement;
  private readonly locations: SqlStatement;
  private readonly phones: SqlStatement;

  constructor(db: SqlDatabase) {
    const inList = 'IN (SELECT value FROM json_each(?))';
    this.services = db.prepare(`SELECT s.*, o.name AS org_name, o.url AS org_url, sc.source AS schedule
      FROM service s JOIN organisation o ON o.id = s.organisation_id JOIN schedule sc ON sc.rowid = s.schedule_id
      WHERE s.rowid ${inList}`);
    this.locations = db.prepare(`SELECT * FROM location WHERE service_rowid ${inList} ORDER BY service_rowid, ord`);
    this.phones = db.prepare(`SELECT * FROM phone WHERE service_rowid ${inList} ORDER BY service_rowid, ord`);
  }

  /**
   * Schedules (by rowid) already checked against the Schedule schema by this reader: a schedule
   * row never changes once written (it is found by its source), and services share them, so a
   * page of results checks each at most once instead of once per service per search.
   */
  private readonly checkedSchedules = new Set<number>();

  read(rowids: readonly number[]): Map<number, DirectoryService> {
    const ids = JSON.stringify(rowids);
    const out = new Map<number, DirectoryService>();
    for (const r of this.services.all(ids) as ServiceRow[]) {
      const service = serviceOf(r, this.checkedSchedules.has(r.schedule_id));
      this.checkedSchedules.add(r.schedule_id);
      out.set(r.rowid, service);
    }
    for (const l of this.locations.all(ids) as LocationRow[]) {
      out.get(l.service_rowid)?.locations.push(withoutNulls({ id: l.id, name: l.name, address: l.address, postcode: l.postcode, lat: l.lat, lon: l.lon }));
    }
    for (const p of this.phones.all(ids) as PhoneRow[]) {
      out.get(p.service_rowid)?.phones.push(withoutNulls({ number: p.number, type: p.type, label: p.label, ...(p.not_working ? { notWorking: true } : {}) }));
    }
    return out;
  }
}

export function readServices(db: SqlDatabase, rowids: readonly number[]): Map<number, DirectoryService> {
  return new DirectoryReader(db).read(rowids);
}

/**
 * A service from its row, with no key for a column that is NULL, so that a read service
 * deep-equals the one written (built so, instead of walking every object afterwards to delete
 * undefined keys: a fifth of reading a page of 25, measured). The stored schedule is JSON written
 * from a checked Schedule, and is checked again the first time a reader meets it (scheduleChecked).
 */
function serviceOf(r: ServiceRow, scheduleChecked: boolean): DirectoryService {
  const schedule = JSON.parse(r.schedule) as Schedule;
  return withoutNulls({
    id: r.id,
    organisation: withoutNulls({ id: r.organisation_id, name: r.org_name, url: r.org_url || null }),
    name: r.name,
    description: r.description,
    type: r.type,
    status: r.status,
    alert: r.alert,
    url: r.url,
    email: r.email,
    ageMin: r.age_min,
    ageMax: r.age_max,
    eligibility: r.eligibility,
    referral: { routes: referralRoutesFromMask(r.referral_routes), how: r.referral_how },
    phones: [],
    locations: [],
    coverage: withoutNulls({ national: r.national === 1, postcodes: JSON.parse(r.coverage_codes) as string[], description: r.coverage_description }),
    schedule: scheduleChecked ? schedule : Schedule.parse(schedule),
    keywords: JSON.parse(r.keywords) as string[],
    lastVerified: r.last_verified,
    openReports: r.open_reports ? (JSON.parse(r.open_reports) as ServiceReport[]) : null,
    localCorrections: r.local_corrections ? (JSON.parse(r.local_corrections) as LocalCorrection[]) : null,
  }, KEEP_NULL) as DirectoryService;
}

/** Fields of a service that are null when unknown (not left out): ages and the date last verified. */
const KEEP_NULL: ReadonlySet<string> = new Set(['ageMin', 'ageMax', 'lastVerified']);

/**
 * A copy without the keys whose value is null (a NULL column), except those in keep. Copied rather
 * than deleted in place: objects built key by key in the same order share their shape in V8.
 */
function withoutNulls<T extends Record<string, unknown>>(o: T, keep?: ReadonlySet<string>): { [K in keyof T]: Exclude<T[K], null> } {
  const out: Record<string, unknown> = {};
  for (const k in o) if (o[k] !== null || keep?.has(k)) out[k] = o[k];
  return out as { [K in keyof T]: Exclude<T[K], null> };
}
