import type Database from 'better-sqlite3-multiple-ciphers';
import { SERVICE_STATUSES, SERVICE_TYPES, type ServiceStatus, type ServiceType } from '../../../shared/domain/service-types';
import { dayNumberOf } from '../../../shared/lib/calendar';
import type { CompiledSchedule } from '../../../shared/lib/opening-hours';
import { foldText } from './fold-text';

/** Grid cell size in degrees: about 11 km north–south, 7 km east–west in England. */
const CELL_DEG = 0.1;
const cellKey = (latCell: number, lonCell: number) => latCell * 10_000 + lonCell;

/**
 * The searchable facts of every service, held in typed arrays so that one keystroke can test
 * thousands of services for distance, type, age, route and "open now" without touching SQLite.
 * Text matching and coverage stay in SQLite (FTS5 and an index); whole services are read from
 * SQLite only for the page shown. Services share schedules, so each compiled schedule is held once.
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
  /** Names folded for word matching, made the first time a search needs them. */
  private readonly foldedNames: (string | undefined)[];
  private readonly scheduleOf: CompiledSchedule[];
  /** rowid → index, -1 where no service has that rowid. */
  private readonly indexOfRowid: Int32Array;
  readonly locLat: Float64Array;
  readonly locLon: Float64Array;
  readonly locService: Int32Array;
  private readonly grid: Map<number, number[]>;
  readonly nationalServices: Int32Array;

  private constructor(db: Database.Database) {
    const schedules = new Map<number, CompiledSchedule>();
    for (const [id, blob] of db.prepare('SELECT rowid, compiled FROM schedule').raw().iterate() as Iterable<[number, Buffer]>) {
      // Copied out: the Buffer's memory belongs to the SQLite row and is not guaranteed 4-byte aligned.
      schedules.set(id, new Int32Array(new Uint8Array(blob).buffer));
    }

    const { n, maxRowid } = db.prepare('SELECT count(*) AS n, coalesce(max(rowid), 0) AS maxRowid FROM service').get() as { n: number; maxRowid: number };
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
    this.foldedNames = new Array<string | undefined>(n);
    this.scheduleOf = new Array<CompiledSchedule>(n);
    this.indexOfRowid = new Int32Array(maxRowid + 1).fill(-1);
    const typeIndex = new Map(SERVICE_TYPES.map((t, i) => [t, i]));
    const statusIndex = new Map(SERVICE_STATUSES.map((s, i) => [s, i]));
    const nationals: number[] = [];
    const facts = db.prepare(
      'SELECT rowid, name, type, status, age_min, age_max, referral_routes, national, last_verified, schedule_id FROM service INDEXED BY service_search_facts',
    );
    let i = 0;
    for (const r of facts.raw().iterate() as Iterable<[number, string, ServiceType, ServiceStatus, number | null, number | null, number, number, string | null, number]>) {
      this.rowid[i] = r[0];
      this.indexOfRowid[r[0]] = i;
      this.name[i] = r[1];
      this.type[i] = typeIndex.get(r[2]) ?? 255;
      this.status[i] = statusIndex.get(r[3]) ?? SERVICE_STATUSES.indexOf('defunct');
      this.ageMin[i] = r[4] ?? -1;
      this.ageMax[i] = r[5] ?? -1;
      this.routes[i] = r[6];
      this.national[i] = r[7];
      if (r[7]) nationals.push(i);
      this.verifiedDay[i] = r[8] ? dayNumberOf(r[8]) : -1;
      this.scheduleOf[i] = schedules.get(r[9])!;
      i++;
    }
    this.nationalServices = Int32Array.from(nationals);

    const locationCount = (db.prepare('SELECT count(*) AS n FROM location').get() as { n: number }).n;
    this.locLat = new Float64Array(locationCount);
    this.locLon = new Float64Array(locationCount);
    this.locService = new Int32Array(locationCount);
    this.grid = new Map();
    let j = 0;
    for (const [rowid, lat, lon] of db.prepare('SELECT service_rowid, lat, lon FROM location').raw().iterate() as Iterable<[number, number, number]>) {
      this.locLat[j] = lat;
      this.locLon[j] = lon;
      this.locService[j] = this.indexOf(rowid) ?? -1;
      const key = cellKey(Math.floor(lat / CELL_DEG), Math.floor(lon / CELL_DEG));
      const bucket = this.grid.get(key);
      if (bucket) bucket.push(j);
      else this.grid.set(key, [j]);
      j++;
    }
  }

  static build(db: Database.Database): SearchIndex {
    return new SearchIndex(db);
  }

  indexOf(rowid: number): number | undefined {
    const i = rowid >= 0 && rowid < this.indexOfRowid.length ? this.indexOfRowid[rowid]! : -1;
    return i >= 0 ? i : undefined;
  }

  /** True when every word begins a word of the service's name (words already folded). */
  nameStartsWords(i: number, words: readonly string[]): boolean {
    let folded = this.foldedNames[i];
    if (folded === undefined) {
      folded = ` ${foldText(this.name[i]!).replace(/[^\p{L}\p{N}]+/gu, ' ')}`;
      this.foldedNames[i] = folded;
    }
    for (const w of words) if (!folded.includes(` ${w}`)) return false;
    return true;
  }

  schedule(i: number): CompiledSchedule {
    return this.scheduleOf[i]!;
  }

  /** Location indices in the grid cells overlapping the box (callers check the exact distance). */
  locationsInBox(minLat: number, maxLat: number, minLon: number, maxLon: number, visit: (loc: number) => void): void {
    const lat0 = Math.floor(minLat / CELL_DEG), lat1 = Math.floor(maxLat / CELL_DEG);
    const lon0 = Math.floor(minLon / CELL_DEG), lon1 = Math.floor(maxLon / CELL_DEG);
    for (let a = lat0; a <= lat1; a++) {
      for (let o = lon0; o <= lon1; o++) {
        const bucket = this.grid.get(cellKey(a, o));
        if (bucket) for (const j of bucket) visit(j);
      }
    }
  }
}
