import type Database from 'better-sqlite3-multiple-ciphers';
import { SERVICE_STATUSES, SERVICE_TYPES, type ServiceStatus, type ServiceType } from '../../../shared/domain/service-types';
import { dayNumberOf } from '../../../shared/lib/calendar';
import type { CompiledSchedule } from '../../../shared/lib/opening-hours';

/** Grid cell size in degrees: about 11 km north–south, 7 km east–west in England. */
const CELL_DEG = 0.1;

const cellKey = (lat: number, lon: number) => Math.floor(lat / CELL_DEG) * 10_000 + Math.floor(lon / CELL_DEG);

/**
 * The searchable facts of every service, held in typed arrays so that one keystroke can test
 * thousands of services for distance, type, age, route and "open now" without touching SQLite.
 * Text matching stays in SQLite (FTS5); whole services are read from SQLite only for the page shown.
 */
export class SearchIndex {
  readonly size: number;
  readonly rowid: Int32Array;
  readonly type: Uint8Array;
  readonly status: Uint8Array;
  readonly ageMin: Int16Array;
  readonly ageMax: Int16Array;
  readonly routes: Uint8Array;
  readonly national: Uint8Array;
  readonly verifiedDay: Int32Array;
  readonly name: string[];
  private readonly scheduleData: Int32Array;
  private readonly scheduleStart: Int32Array;
  private readonly scheduleEnd: Int32Array;
  private readonly indexOfRowid: Map<number, number>;
  /** Locations: position and the service (index) they belong to. */
  readonly locLat: Float64Array;
  readonly locLon: Float64Array;
  readonly locService: Int32Array;
  private readonly grid: Map<number, number[]>;
  private readonly coverage: Map<string, number[]>;
  readonly nationalServices: Int32Array;

  private constructor(db: Database.Database) {
    const rows = db
      .prepare('SELECT s.rowid, s.name, s.type, s.status, s.age_min, s.age_max, s.referral_routes, s.national, s.last_verified, sc.compiled FROM service s JOIN schedule sc ON sc.service_rowid = s.rowid ORDER BY s.rowid')
      .raw()
      .all() as [number, string, ServiceType, ServiceStatus, number | null, number | null, number, number, string | null, Buffer][];
    const n = rows.length;
    this.size = n;
    this.rowid = new Int32Array(n);
    this.type = new Uint8Array(n);
    this.status = new Uint8Array(n);
    this.ageMin = new Int16Array(n);
    this.ageMax = new Int16Array(n);
    this.routes = new Uint8Array(n);
    this.national = new Uint8Array(n);
    this.verifiedDay = new Int32Array(n);
    this.name = new Array<string>(n);
    this.scheduleStart = new Int32Array(n);
    this.scheduleEnd = new Int32Array(n);
    this.indexOfRowid = new Map();
    let total = 0;
    for (const r of rows) total += r[9].byteLength >> 2;
    this.scheduleData = new Int32Array(total);
    const typeIndex = new Map(SERVICE_TYPES.map((t, i) => [t, i]));
    const statusIndex = new Map(SERVICE_STATUSES.map((s, i) => [s, i]));
    let at = 0;
    const nationals: number[] = [];
    rows.forEach((r, i) => {
      this.rowid[i] = r[0];
      this.indexOfRowid.set(r[0], i);
      this.name[i] = r[1];
      this.type[i] = typeIndex.get(r[2]) ?? 255;
      this.status[i] = statusIndex.get(r[3]) ?? 2;
      this.ageMin[i] = r[4] ?? -1;
      this.ageMax[i] = r[5] ?? -1;
      this.routes[i] = r[6];
      this.national[i] = r[7];
      if (r[7]) nationals.push(i);
      this.verifiedDay[i] = r[8] ? dayNumberOf(r[8]) : -1;
      const blob = r[9];
      const words = new Int32Array(blob.buffer, blob.byteOffset, blob.byteLength >> 2);
      this.scheduleData.set(words, at);
      this.scheduleStart[i] = at;
      at += words.length;
      this.scheduleEnd[i] = at;
    });
    this.nationalServices = Int32Array.from(nationals);

    const locs = db.prepare('SELECT service_rowid, lat, lon FROM location').raw().all() as [number, number, number][];
    this.locLat = new Float64Array(locs.length);
    this.locLon = new Float64Array(locs.length);
    this.locService = new Int32Array(locs.length);
    this.grid = new Map();
    locs.forEach(([rowid, lat, lon], j) => {
      this.locLat[j] = lat;
      this.locLon[j] = lon;
      this.locService[j] = this.indexOfRowid.get(rowid) ?? -1;
      const key = cellKey(lat, lon);
      const bucket = this.grid.get(key);
      if (bucket) bucket.push(j);
      else this.grid.set(key, [j]);
    });

    this.coverage = new Map();
    for (const [code, rowid] of db.prepare('SELECT code, service_rowid FROM coverage').raw().all() as [string, number][]) {
      const i = this.indexOfRowid.get(rowid);
      if (i === undefined) continue;
      const list = this.coverage.get(code);
      if (list) list.push(i);
      else this.coverage.set(code, [i]);
    }
  }

  static build(db: Database.Database): SearchIndex {
    return new SearchIndex(db);
  }

  indexOf(rowid: number): number | undefined {
    return this.indexOfRowid.get(rowid);
  }

  schedule(i: number): CompiledSchedule {
    return this.scheduleData.subarray(this.scheduleStart[i], this.scheduleEnd[i]);
  }

  /** Location indices in the grid cells overlapping the box (callers check the exact distance). */
  locationsInBox(minLat: number, maxLat: number, minLon: number, maxLon: number, visit: (loc: number) => void): void {
    const lat0 = Math.floor(minLat / CELL_DEG), lat1 = Math.floor(maxLat / CELL_DEG);
    const lon0 = Math.floor(minLon / CELL_DEG), lon1 = Math.floor(maxLon / CELL_DEG);
    for (let a = lat0; a <= lat1; a++) {
      for (let o = lon0; o <= lon1; o++) {
        const bucket = this.grid.get(a * 10_000 + o);
        if (bucket) for (const j of bucket) visit(j);
      }
    }
  }

  /** Services whose coverage names this postcode district or area. */
  coveringCode(code: string): readonly number[] {
    return this.coverage.get(code) ?? [];
  }
}
