import type Database from 'better-sqlite3-multiple-ciphers';
import { SERVICE_STATUSES, SERVICE_TYPES, type ServiceStatus, type ServiceType } from '../../../shared/domain/service-types';
import { dayNumberOf } from '../../../shared/lib/calendar';
import type { CompiledSchedule } from '../../../shared/lib/opening-hours';
import { foldText } from './fold-text';

/** Grid cell size in degrees: about 11 km north–south, 7 km east–west in England. */
const CELL_DEG = 0.1;
const cellOf = (lat: number, lon: number) => Math.floor(lat / CELL_DEG) * 10_000 + Math.floor(lon / CELL_DEG);

const DEFUNCT = SERVICE_STATUSES.indexOf('defunct');
const TYPE_INDEX = new Map(SERVICE_TYPES.map((t, i) => [t, i]));
const STATUS_INDEX = new Map(SERVICE_STATUSES.map((s, i) => [s, i]));

const FACT_COLUMNS = 'rowid, name, type, status, age_min, age_max, referral_routes, national, last_verified, schedule_id';
type FactRow = [number, string, ServiceType, ServiceStatus, number | null, number | null, number, number, string | null, number];

function grown<T extends Int32Array | Uint8Array | Int16Array | Float64Array>(a: T, capacity: number, fill = 0): T {
  if (a.length >= capacity) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(capacity, Math.ceil(a.length * 1.5) + 16));
  next.set(a);
  if (fill !== 0) next.fill(fill, a.length);
  return next;
}

/**
 * The searchable facts of every service, held in typed arrays so that one keystroke can test
 * thousands of services for distance, type, age, route and "open now" without touching SQLite.
 * Text matching and coverage stay in SQLite (FTS5 and an index); whole services are read from
 * SQLite only for the page shown. Services share schedules, so each compiled schedule is held once.
 *
 * Slots are stable: a changed service is updated in its slot, a removed one is marked defunct (never
 * shown) and its slot left empty, so applying a catch-up touches only the services that changed.
 */
export class SearchIndex {
  /** Slots in use, including emptied ones. */
  size = 0;
  private removed = 0;
  rowid = new Int32Array(0);
  type = new Uint8Array(0);
  status = new Uint8Array(0);
  ageMin = new Int16Array(0);
  ageMax = new Int16Array(0);
  routes = new Uint8Array(0);
  national = new Uint8Array(0);
  verifiedDay = new Int32Array(0);
  name: string[] = [];
  /**
   * The name's first three UTF-16 code units as one number, ordered as the strings are: two
   * services whose keys differ are in name order without reading their names (compareNames).
   */
  nameKey = new Float64Array(0);
  /** Names folded for word matching, made the first time a search needs them. */
  private readonly foldedNames: (string | undefined)[] = [];
  private readonly scheduleOf: CompiledSchedule[] = [];
  private readonly schedules = new Map<number, CompiledSchedule>();
  /**
   * Per slot, the schedule's number among the distinct schedules held (0 … scheduleCount - 1), so
   * that a search asks "open now?" once per schedule instead of once per service: 100,000 services
   * share 6,956 schedules in the synthetic directory.
   */
  scheduleNo = new Int32Array(0);
  private readonly scheduleNumbers = new Map<number, number>();
  /** rowid → slot, -1 where no service has that rowid. */
  private slotOfRowid = new Int32Array(0);
  /** Locations: position and the slot of their service (-1 once removed). */
  locLat = new Float64Array(0);
  locLon = new Float64Array(0);
  locService = new Int32Array(0);
  private locCount = 0;
  /**
   * A service's locations as a chain: its first (-1 when none), then each one's next. An array per
   * service in a Map was 100,000 small arrays, 12 MiB of the core's heap (measured); these are 0.8.
   */
  private firstLocation = new Int32Array(0);
  private nextLocation = new Int32Array(0);
  private readonly grid = new Map<number, number[]>();
  /** The grid again, each cell's locations side by side: made on the first search after a change. */
  private packed: PackedGrid | null = null;
  private readonly nationals = new Set<number>();
  /**
   * 1 where the service publishes a catchment (the districts or areas it takes callers from), for
   * ranking a site nearby whose catchment leaves the caller out below one that serves them. Read
   * on the first search with a place, not at start: the scan of the service table takes 35–55 ms
   * at 100,000 services (measured), and searches by text alone never need it.
   */
  private catchment: Uint8Array | null = null;
  private readonly statements: {
    facts: Database.Statement;
    locations: Database.Statement;
    schedule: Database.Statement;
    withCatchment: Database.Statement;
    catchmentOf: Database.Statement;
  };

  private constructor(db: Database.Database) {
    this.statements = {
      facts: db.prepare(`SELECT ${FACT_COLUMNS} FROM service WHERE rowid IN (SELECT value FROM json_each(?))`).raw(),
      locations: db.prepare('SELECT service_rowid, lat, lon FROM location WHERE service_rowid IN (SELECT value FROM json_each(?))').raw(),
      schedule: db.prepare('SELECT compiled FROM schedule WHERE rowid = ?').pluck(),
      // coverage_codes is the published list as JSON (shared/directory/store.ts): '[]' when none.
      withCatchment: db.prepare("SELECT rowid FROM service WHERE coverage_codes <> '[]'").pluck(),
      catchmentOf: db.prepare("SELECT rowid, coverage_codes <> '[]' FROM service WHERE rowid IN (SELECT value FROM json_each(?))").raw(),
    };
  }

  static build(db: Database.Database): SearchIndex {
    const index = new SearchIndex(db);
    for (const [id, blob] of db.prepare('SELECT rowid, compiled FROM schedule').raw().iterate() as Iterable<[number, Buffer]>) {
      index.schedules.set(id, toCompiled(blob));
    }
    const { n, maxRowid } = db.prepare('SELECT count(*) AS n, coalesce(max(rowid), 0) AS maxRowid FROM service').get() as { n: number; maxRowid: number };
    index.reserve(n, maxRowid);
    // The covering index makes this scan read a narrow b-tree instead of the wide service rows.
    for (const r of db.prepare(`SELECT ${FACT_COLUMNS} FROM service INDEXED BY service_search_facts`).raw().iterate() as Iterable<FactRow>) {
      index.setFacts(index.size++, r);
    }
    for (const [rowid, lat, lon] of db.prepare('SELECT service_rowid, lat, lon FROM location').raw().iterate() as Iterable<[number, number, number]>) {
      const slot = index.slotOf(rowid);
      if (slot !== undefined) index.addLocation(slot, lat, lon);
    }
    return index;
  }

  /**
   * Everything the index holds, as arrays (views of its own, not copies): what
   * search-index-file.ts stores, so that the next start loads it instead of building it again.
   */
  facts(): SearchIndexFacts {
    const scheduleIds = new Int32Array(this.scheduleNumbers.size);
    for (const [id, no] of this.scheduleNumbers) scheduleIds[no] = id;
    const n = this.size, m = this.locCount;
    return {
      size: n,
      removed: this.removed,
      rowid: this.rowid.subarray(0, n),
      type: this.type.subarray(0, n),
      status: this.status.subarray(0, n),
      ageMin: this.ageMin.subarray(0, n),
      ageMax: this.ageMax.subarray(0, n),
      routes: this.routes.subarray(0, n),
      national: this.national.subarray(0, n),
      verifiedDay: this.verifiedDay.subarray(0, n),
      nameKey: this.nameKey.subarray(0, n),
      scheduleNo: this.scheduleNo.subarray(0, n),
      firstLocation: this.firstLocation.subarray(0, n),
      names: this.name.slice(0, n),
      scheduleIds,
      schedules: this.schedules,
      slotOfRowid: this.slotOfRowid,
      locLat: this.locLat.subarray(0, m),
      locLon: this.locLon.subarray(0, m),
      locService: this.locService.subarray(0, m),
      nextLocation: this.nextLocation.subarray(0, m),
      nationals: Int32Array.from(this.nationals),
    };
  }

  /**
   * The index as facts() gave it, without reading a row: 100,000 services' facts and locations
   * cost 300–440 ms of a desk's start to build from SQLite (most of it SQLite handing over 200,000
   * rows, and the garbage that makes), against a file read. The arrays are taken over, not copied.
   */
  static restore(db: Database.Database, f: SearchIndexFacts): SearchIndex {
    const index = new SearchIndex(db);
    index.size = f.size;
    index.removed = f.removed;
    index.rowid = f.rowid;
    index.type = f.type;
    index.status = f.status;
    index.ageMin = f.ageMin;
    index.ageMax = f.ageMax;
    index.routes = f.routes;
    index.national = f.national;
    index.verifiedDay = f.verifiedDay;
    index.nameKey = f.nameKey;
    index.scheduleNo = f.scheduleNo;
    index.firstLocation = f.firstLocation;
    index.name = f.names;
    index.slotOfRowid = f.slotOfRowid;
    for (const [id, compiled] of f.schedules) index.schedules.set(id, compiled);
    for (let no = 0; no < f.scheduleIds.length; no++) index.scheduleNumbers.set(f.scheduleIds[no]!, no);
    for (let slot = 0; slot < f.size; slot++) index.scheduleOf[slot] = index.schedules.get(f.scheduleIds[f.scheduleNo[slot]!]!)!;
    index.locLat = f.locLat;
    index.locLon = f.locLon;
    index.locService = f.locService;
    index.nextLocation = f.nextLocation;
    index.locCount = f.locLat.length;
    // The grid's buckets in the order the build made them (each location in the cell of its position).
    for (let j = 0; j < index.locCount; j++) {
      const key = cellOf(f.locLat[j]!, f.locLon[j]!);
      const bucket = index.grid.get(key);
      if (bucket) bucket.push(j);
      else index.grid.set(key, [j]);
    }
    for (const slot of f.nationals) index.nationals.add(slot);
    return index;
  }

  /**
   * Brings the given services up to date with the database after a catch-up committed: each is
   * re-read, added, or emptied when it is no longer there.
   */
  refresh(rowids: readonly number[]): void {
    if (rowids.length === 0) return;
    const ids = JSON.stringify(rowids);
    const present = new Set<number>();
    const facts = this.statements.facts.all(ids) as FactRow[];
    let maxRowid = 0;
    for (const r of rowids) if (r > maxRowid) maxRowid = r;
    this.reserve(this.size + facts.length, maxRowid);
    for (const r of facts) {
      present.add(r[0]);
      const existing = this.slotOf(r[0]);
      const slot = existing ?? this.size++;
      if (existing !== undefined) this.clearLocations(slot);
      this.setFacts(slot, r);
    }
    for (const [rowid, lat, lon] of this.statements.locations.all(ids) as [number, number, number][]) {
      const slot = this.slotOf(rowid);
      if (slot !== undefined) this.addLocation(slot, lat, lon);
    }
    if (this.catchment) {
      for (const [rowid, has] of this.statements.catchmentOf.all(ids) as [number, number][]) {
        const slot = this.slotOf(rowid);
        if (slot !== undefined) this.catchment[slot] = has;
      }
    }
    for (const rowid of rowids) if (!present.has(rowid)) this.remove(rowid);
  }

  /** Per slot, 1 when the service publishes a catchment; read from the database the first time it is asked for. */
  catchments(): Uint8Array {
    if (this.catchment) return this.catchment;
    const flags = new Uint8Array(this.rowid.length);
    for (const rowid of this.statements.withCatchment.all() as number[]) {
      const slot = this.slotOf(rowid);
      if (slot !== undefined) flags[slot] = 1;
    }
    this.catchment = flags;
    return flags;
  }

  /** Services in the directory (slots in use less those emptied). */
  get count(): number {
    return this.size - this.removed;
  }

  /** Share of slots emptied by removals; a full rebuild compacts them. */
  get emptiedShare(): number {
    return this.size === 0 ? 0 : this.removed / this.size;
  }

  private reserve(slots: number, maxRowid: number): void {
    this.rowid = grown(this.rowid, slots);
    this.type = grown(this.type, slots);
    this.status = grown(this.status, slots);
    this.ageMin = grown(this.ageMin, slots);
    this.ageMax = grown(this.ageMax, slots);
    this.routes = grown(this.routes, slots);
    this.national = grown(this.national, slots);
    this.verifiedDay = grown(this.verifiedDay, slots);
    this.scheduleNo = grown(this.scheduleNo, slots);
    this.nameKey = grown(this.nameKey, slots);
    if (this.catchment) this.catchment = grown(this.catchment, slots);
    this.slotOfRowid = grown(this.slotOfRowid, maxRowid + 1, -1);
    this.firstLocation = grown(this.firstLocation, slots, -1);
  }

  private setFacts(slot: number, r: FactRow): void {
    // The packed grid carries copies of these facts.
    this.packed = null;
    this.rowid[slot] = r[0];
    this.slotOfRowid[r[0]] = slot;
    this.name[slot] = r[1];
    this.nameKey[slot] = nameKeyOf(r[1]);
    this.foldedNames[slot] = undefined;
    this.type[slot] = TYPE_INDEX.get(r[2]) ?? 255;
    this.status[slot] = STATUS_INDEX.get(r[3]) ?? DEFUNCT;
    this.ageMin[slot] = r[4] ?? -1;
    this.ageMax[slot] = r[5] ?? -1;
    this.routes[slot] = r[6];
    this.national[slot] = r[7];
    if (r[7]) this.nationals.add(slot);
    else this.nationals.delete(slot);
    this.verifiedDay[slot] = r[8] ? dayNumberOf(r[8]) : -1;
    this.scheduleOf[slot] = this.scheduleById(r[9]);
    let no = this.scheduleNumbers.get(r[9]);
    if (no === undefined) this.scheduleNumbers.set(r[9], (no = this.scheduleNumbers.size));
    this.scheduleNo[slot] = no;
  }

  /** Distinct schedules numbered so far (the bound of scheduleNo). */
  get scheduleCount(): number {
    return this.scheduleNumbers.size;
  }

  private scheduleById(id: number): CompiledSchedule {
    let compiled = this.schedules.get(id);
    if (!compiled) {
      compiled = toCompiled(this.statements.schedule.get(id) as Buffer);
      this.schedules.set(id, compiled);
    }
    return compiled;
  }

  private addLocation(slot: number, lat: number, lon: number): void {
    this.packed = null;
    const j = this.locCount++;
    this.locLat = grown(this.locLat, this.locCount);
    this.locLon = grown(this.locLon, this.locCount);
    this.locService = grown(this.locService, this.locCount);
    this.nextLocation = grown(this.nextLocation, this.locCount);
    this.locLat[j] = lat;
    this.locLon[j] = lon;
    this.locService[j] = slot;
    this.nextLocation[j] = this.firstLocation[slot]!;
    this.firstLocation[slot] = j;
    const key = cellOf(lat, lon);
    const bucket = this.grid.get(key);
    if (bucket) bucket.push(j);
    else this.grid.set(key, [j]);
  }

  private clearLocations(slot: number): void {
    this.packed = null;
    for (let j = this.firstLocation[slot]!; j >= 0; j = this.nextLocation[j]!) this.locService[j] = -1;
    this.firstLocation[slot] = -1;
  }

  private remove(rowid: number): void {
    const slot = this.slotOf(rowid);
    if (slot === undefined) return;
    this.clearLocations(slot);
    this.status[slot] = DEFUNCT;
    this.nationals.delete(slot);
    this.slotOfRowid[rowid] = -1;
    this.removed++;
  }

  slotOf(rowid: number): number | undefined {
    const slot = rowid >= 0 && rowid < this.slotOfRowid.length ? this.slotOfRowid[rowid]! : -1;
    return slot >= 0 ? slot : undefined;
  }

  /** Orders two services by name as JavaScript compares strings, then by rowid: negative when a comes first. */
  compareNames(a: number, b: number): number {
    const ka = this.nameKey[a]!, kb = this.nameKey[b]!;
    if (ka !== kb) return ka < kb ? -1 : 1;
    const na = this.name[a]!, nb = this.name[b]!;
    return na < nb ? -1 : na > nb ? 1 : this.rowid[a]! - this.rowid[b]!;
  }

  nationalServices(): Iterable<number> {
    return this.nationals;
  }

  /** True when every word begins a word of the service's name: `wordStarts` are the folded words, each after a space. */
  nameStartsWords(slot: number, wordStarts: readonly string[]): boolean {
    let folded = this.foldedNames[slot];
    if (folded === undefined) {
      folded = ` ${foldText(this.name[slot]!).replace(/[^\p{L}\p{N}]+/gu, ' ')}`;
      this.foldedNames[slot] = folded;
    }
    for (const w of wordStarts) if (!folded.includes(w)) return false;
    return true;
  }

  schedule(slot: number): CompiledSchedule {
    return this.scheduleOf[slot]!;
  }

  /**
   * Visits each location in the grid cells overlapping the box with its service's slot, position
   * and place k in the packed grid (callers check distance, and may read the service's facts at k
   * in packedGrid()). Reads the packed copy of the grid: the positions of one cell lie side by side
   * instead of scattered over the arrays in load order, which made the scan of the 14,000
   * locations around SE5 the larger part of a search by postcode.
   */
  locationsInBox(minLat: number, maxLat: number, minLon: number, maxLon: number, visit: (slot: number, lat: number, lon: number, k: number) => void): void {
    const g = this.packedGrid();
    const lat0 = Math.floor(minLat / CELL_DEG), lat1 = Math.floor(maxLat / CELL_DEG);
    const lon0 = Math.floor(minLon / CELL_DEG), lon1 = Math.floor(maxLon / CELL_DEG);
    for (let a = lat0; a <= lat1; a++) {
      for (let o = lon0; o <= lon1; o++) {
        const cell = g.cellOf.get(a * 10_000 + o);
        if (cell === undefined) continue;
        for (let k = g.start[cell]!, end = g.start[cell + 1]!; k < end; k++) visit(g.slot[k]!, g.lat[k]!, g.lon[k]!, k);
      }
    }
  }

  /** The packed grid, made afresh on the first search after a change. */
  packedGrid(): PackedGrid {
    return (this.packed ??= this.pack());
  }

  /** Copies the grid's live locations cell by cell, with their services' filter facts (about 1 ms for 100,000). */
  private pack(): PackedGrid {
    const cellOf = new Map<number, number>();
    const start = new Int32Array(this.grid.size + 1);
    const n = this.locCount;
    const lat = new Float64Array(n), lon = new Float64Array(n), slot = new Int32Array(n);
    const status = new Uint8Array(n), type = new Uint8Array(n), routes = new Uint8Array(n);
    const ageMin = new Int16Array(n), ageMax = new Int16Array(n), scheduleNo = new Int32Array(n);
    let k = 0;
    for (const [key, bucket] of this.grid) {
      start[cellOf.size] = k;
      cellOf.set(key, cellOf.size);
      for (const j of bucket) {
        if (this.locService[j]! < 0) continue;
        const i = this.locService[j]!;
        lat[k] = this.locLat[j]!;
        lon[k] = this.locLon[j]!;
        status[k] = this.status[i]!;
        type[k] = this.type[i]!;
        routes[k] = this.routes[i]!;
        ageMin[k] = this.ageMin[i]!;
        ageMax[k] = this.ageMax[i]!;
        scheduleNo[k] = this.scheduleNo[i]!;
        slot[k++] = i;
      }
    }
    start[cellOf.size] = k;
    return { cellOf, start, lat, lon, slot, status, type, routes, ageMin, ageMax, scheduleNo };
  }
}

/** What SearchIndex.facts() gives and SearchIndex.restore() takes: per slot (0 … size - 1), per location, and the schedules. */
export interface SearchIndexFacts {
  size: number;
  removed: number;
  rowid: Int32Array<ArrayBuffer>;
  type: Uint8Array<ArrayBuffer>;
  status: Uint8Array<ArrayBuffer>;
  ageMin: Int16Array<ArrayBuffer>;
  ageMax: Int16Array<ArrayBuffer>;
  routes: Uint8Array<ArrayBuffer>;
  national: Uint8Array<ArrayBuffer>;
  verifiedDay: Int32Array<ArrayBuffer>;
  nameKey: Float64Array<ArrayBuffer>;
  scheduleNo: Int32Array<ArrayBuffer>;
  firstLocation: Int32Array<ArrayBuffer>;
  names: string[];
  /** Per schedule number, the schedule's rowid. */
  scheduleIds: Int32Array<ArrayBuffer>;
  /** Every compiled schedule read, by rowid. */
  schedules: ReadonlyMap<number, CompiledSchedule>;
  /** rowid → slot, -1 where none; as long as the highest rowid seen + 1. */
  slotOfRowid: Int32Array<ArrayBuffer>;
  locLat: Float64Array<ArrayBuffer>;
  locLon: Float64Array<ArrayBuffer>;
  locService: Int32Array<ArrayBuffer>;
  nextLocation: Int32Array<ArrayBuffer>;
  /** The national services' slots, in the order the index visits them. */
  nationals: Int32Array<ArrayBuffer>;
}

export interface PackedGrid {
  /** Grid cell key → cell number; a cell's locations are start[cell] … start[cell + 1] - 1. */
  cellOf: Map<number, number>;
  start: Int32Array;
  lat: Float64Array;
  lon: Float64Array;
  slot: Int32Array;
  /**
   * The facts of each location's service the filters read, copied beside it (as in the index's
   * arrays at slot): the box scan refuses a service by reading these in order instead of the
   * index's arrays at scattered slots (1.3 MB for the bench's 100k directory).
   */
  status: Uint8Array;
  type: Uint8Array;
  routes: Uint8Array;
  ageMin: Int16Array;
  ageMax: Int16Array;
  scheduleNo: Int32Array;
}

/** A name shorter than three code units counts as padded with 0, below every code unit it could hold. */
function nameKeyOf(name: string): number {
  const unit = (k: number) => (k < name.length ? name.charCodeAt(k) : 0);
  return unit(0) * 2 ** 32 + unit(1) * 2 ** 16 + unit(2);
}

/** Copies a compiled schedule out of its SQLite Buffer (whose memory is not guaranteed 4-byte aligned). */
function toCompiled(blob: Buffer): CompiledSchedule {
  return new Int32Array(new Uint8Array(blob).buffer);
}
