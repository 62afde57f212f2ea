import { closeSync, fstatSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { META_KEYS } from '../../../shared/directory/schema';
import { writeFileDurably } from '../../node/durable-file';
import type { SearchIndexFacts } from './search-index';

/*
 * The search index's facts kept in a file beside directory.db, so that a desk starts by reading
 * one file instead of building the index from 100,000 services' rows (300–440 ms of a 600 ms
 * start, measured on 7 December; the file loads in tens of ms). The file is only ever a copy: it
 * is used when its key is the directory file's key now, and anything else (another directory, a
 * change since, a torn or corrupt file, another format) means the index is built from the rows as
 * before. Nothing here can make a search answer differ from one over a freshly built index.
 *
 * The key is the directory file's identity and state: its inode, size and modification time, its
 * write-ahead log's size and modification time when it holds any frames, and its schema version,
 * directory version and changes cursor. Every write to directory.db (a catch-up, a sync check, a
 * new file installed, a tool writing it) changes the main file or its log, so it changes the key;
 * DirectoryDb re-takes the key after its own writes, which it makes in step with the index.
 *
 * Layout: "CDINDEX1", u32 length of the JSON header, u32 CRC-32 of everything after these 16
 * bytes; the header (the key, the counts, each section's type and length); then each section,
 * 8-byte aligned, as the typed array's bytes in this machine's byte order (the header says which).
 */

const MAGIC = 'CDINDEX1';
const FORMAT = 1;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type Numeric = Int32Array | Uint8Array | Uint16Array | Int16Array | Float64Array;
const ARRAYS = { Int32Array, Uint8Array, Uint16Array, Int16Array, Float64Array } as const;
type ArrayName = keyof typeof ARRAYS;

/** The arrays kept per slot or per location, by name (SearchIndexFacts' fields). */
const SECTIONS = ['rowid', 'type', 'status', 'ageMin', 'ageMax', 'routes', 'national', 'verifiedDay', 'nameKey', 'scheduleNo', 'firstLocation', 'scheduleIds', 'slotOfRowid', 'locLat', 'locLon', 'locService', 'nextLocation', 'nationals'] as const;
type Section = (typeof SECTIONS)[number];

interface Header {
  format: number;
  littleEndian: boolean;
  key: string;
  size: number;
  removed: number;
  /** The names' units are Latin-1 bytes (else UTF-16). */
  namesLatin1: boolean;
  sections: { name: string; type: ArrayName; length: number }[];
}

/** The search index's file beside a directory file. */
export const indexFileOf = (directoryFile: string) => `${directoryFile}.search-index`;

const statKey = (file: string): string | null => {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return null;
  }
};

/**
 * The directory file's key now (see above), with its meta table as read by the caller (a closed
 * database's as it was just before closing); null when it cannot be told (no file). An empty
 * write-ahead log counts as none: SQLite makes a fresh one at each open and removes it at close.
 */
export function directoryKeyOf(directoryFile: string, meta: ReadonlyMap<string, string>): string | null {
  const main = statKey(directoryFile);
  if (main === null) return null;
  let wal = 'none';
  try {
    const s = statSync(`${directoryFile}-wal`, { bigint: true });
    if (s.size > 0n) wal = `${s.size}:${s.mtimeNs}`;
  } catch {
    // No log: nothing beyond the main file.
  }
  return JSON.stringify([FORMAT, main, wal, meta.get(META_KEYS.schemaVersion) ?? null, meta.get(META_KEYS.version) ?? null, meta.get(META_KEYS.cursor) ?? null]);
}

const align8 = (n: number) => (n + 7) & ~7;

/** The facts as the file's parts, in order. */
function encodeIndexParts(key: string, f: SearchIndexFacts): Uint8Array[] {
  const arrays: [string, Numeric][] = SECTIONS.map((name) => [name, f[name]]);
  const nameLengths = new Int32Array(f.names.length);
  for (let i = 0; i < f.names.length; i++) nameLengths[i] = f.names[i]!.length;
  const scheduleIdsHeld = new Int32Array(f.schedules.size);
  const scheduleLengths = new Int32Array(f.schedules.size);
  let k = 0;
  let total = 0;
  for (const [id, c] of f.schedules) {
    scheduleIdsHeld[k] = id;
    scheduleLengths[k++] = c.length;
    total += c.length;
  }
  const scheduleData = new Int32Array(total);
  let at = 0;
  for (const c of f.schedules.values()) {
    scheduleData.set(c, at);
    at += c.length;
  }
  // Names as one string's code units, each name a slice of it as long as it was: Latin-1 bytes when
  // every unit fits (the string read back is then one byte a character, as V8 held the names read
  // from SQLite), UTF-16 otherwise.
  const joined = f.names.join('');
  const latin1 = !/[^\u0000-\u00ff]/.test(joined);
  const names = Buffer.from(joined, latin1 ? 'latin1' : 'utf16le');
  const namesUnits = latin1 ? new Uint8Array(names.buffer, names.byteOffset, names.length) : new Uint16Array(names.buffer, names.byteOffset, names.length / 2);
  arrays.push(['nameLengths', nameLengths], ['scheduleHeld', scheduleIdsHeld], ['scheduleLengths', scheduleLengths], ['scheduleData', scheduleData], ['names', namesUnits]);
  const sections = arrays.map(([name, a]) => ({ name, type: a.constructor.name as ArrayName, length: a.length }));
  const header = Buffer.from(JSON.stringify({ format: FORMAT, littleEndian: LITTLE_ENDIAN, key, size: f.size, removed: f.removed, namesLatin1: latin1, sections } satisfies Header));
  // The parts in file order, each array's own bytes (not copied into one 11 MB buffer, which the
  // heap would keep resident once freed), with the zero bytes that align the next.
  const start = Buffer.alloc(16);
  start.write(MAGIC, 0, 'latin1');
  start.writeUInt32LE(header.length, 8);
  const parts: Uint8Array[] = [start, header];
  let offset = 16 + header.length;
  let crc = crc32(header);
  for (const [, a] of arrays) {
    const pad = new Uint8Array(align8(offset) - offset);
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    parts.push(pad, bytes);
    crc = crc32(bytes, crc32(pad, crc));
    offset = align8(offset) + bytes.length;
  }
  const end = new Uint8Array(align8(offset) - offset);
  parts.push(end);
  start.writeUInt32LE(crc32(end, crc), 12);
  return parts;
}

/** Reads `target.length` bytes at `position`; fewer when the file ends. */
type ReadAt = (position: number, target: Uint8Array) => number;

/**
 * Reads each array straight into memory of its own, checking the CRC as it goes: no buffer of the
 * whole file (11 MB at 100,000 services), which glibc's heap kept resident as a hole once freed
 * (measured: RSS 5–7 MiB higher than building the index, with one).
 */
function decodeFrom(fileLength: number, readAt: ReadAt, key: string): SearchIndexFacts | null {
  const exactly = (position: number, target: Uint8Array) => readAt(position, target) === target.length;
  const start = Buffer.alloc(16);
  if (fileLength < 16 || !exactly(0, start) || start.toString('latin1', 0, 8) !== MAGIC) return null;
  const headerLength = start.readUInt32LE(8);
  if (16 + headerLength > fileLength) return null;
  const headerBytes = Buffer.alloc(headerLength);
  if (!exactly(16, headerBytes)) return null;
  let crc = crc32(headerBytes);
  let header: Header;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as Header;
  } catch {
    return null;
  }
  if (header.format !== FORMAT || header.littleEndian !== LITTLE_ENDIAN || header.key !== key || !Array.isArray(header.sections)) return null;
  let offset = 16 + headerLength;
  /** The zero bytes that bring `offset` to a multiple of 8, into the CRC. */
  const skipPadding = (): boolean => {
    const pad = new Uint8Array(align8(offset) - offset);
    if (pad.length > 0 && !exactly(offset, pad)) return false;
    crc = crc32(pad, crc);
    offset += pad.length;
    return true;
  };
  const got = new Map<string, Numeric>();
  for (const s of header.sections) {
    const Ctor = Object.hasOwn(ARRAYS, s.type) ? ARRAYS[s.type] : undefined;
    if (!Ctor || !Number.isInteger(s.length) || s.length < 0 || !skipPadding()) return null;
    const byteLength = s.length * Ctor.BYTES_PER_ELEMENT;
    if (offset + byteLength > fileLength) return null;
    const a = new Ctor(s.length);
    const view = new Uint8Array(a.buffer);
    if (!exactly(offset, view)) return null;
    crc = crc32(view, crc);
    got.set(s.name, a);
    offset += byteLength;
  }
  if (!skipPadding() || offset !== fileLength || crc !== start.readUInt32LE(12)) return null;
  const section = <T>(name: string) => got.get(name) as T;
  const size = header.size;
  const nameLengths = section<Int32Array>('nameLengths');
  const units = section<Uint8Array | Uint16Array>('names');
  const held = section<Int32Array>('scheduleHeld');
  const scheduleLengths = section<Int32Array>('scheduleLengths');
  const scheduleData = section<Int32Array>('scheduleData');
  if (!nameLengths || !units || !held || !scheduleLengths || !scheduleData || nameLengths.length !== size) return null;
  for (const name of SECTIONS) if (!got.has(name)) return null;
  const perSlot: Section[] = ['rowid', 'type', 'status', 'ageMin', 'ageMax', 'routes', 'national', 'verifiedDay', 'nameKey', 'scheduleNo', 'firstLocation'];
  if (perSlot.some((n) => got.get(n)!.length !== size)) return null;
  const locations = got.get('locLat')!.length;
  if ((['locLon', 'locService', 'nextLocation'] as const).some((n) => got.get(n)!.length !== locations)) return null;
  if ((units instanceof Uint8Array) !== (header.namesLatin1 === true)) return null;
  const joined = Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString(header.namesLatin1 ? 'latin1' : 'utf16le');
  const names = new Array<string>(size);
  let at = 0;
  for (let i = 0; i < size; i++) {
    names[i] = joined.slice(at, (at += nameLengths[i]!));
  }
  if (at !== joined.length) return null;
  const schedules = new Map<number, Int32Array>();
  let from = 0;
  for (let i = 0; i < held.length; i++) {
    schedules.set(held[i]!, scheduleData.subarray(from, (from += scheduleLengths[i]!)));
  }
  if (from !== scheduleData.length) return null;
  return {
    size,
    removed: header.removed,
    rowid: section('rowid'),
    type: section('type'),
    status: section('status'),
    ageMin: section('ageMin'),
    ageMax: section('ageMax'),
    routes: section('routes'),
    national: section('national'),
    verifiedDay: section('verifiedDay'),
    nameKey: section('nameKey'),
    scheduleNo: section('scheduleNo'),
    firstLocation: section('firstLocation'),
    names,
    scheduleIds: section('scheduleIds'),
    schedules,
    slotOfRowid: section('slotOfRowid'),
    locLat: section('locLat'),
    locLon: section('locLon'),
    locService: section('locService'),
    nextLocation: section('nextLocation'),
    nationals: section('nationals'),
  };
}

/** The facts kept for this key, or null (no file, another key, not whole): the caller builds the index. */
export function readIndexFacts(file: string, key: string): SearchIndexFacts | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const readAt: ReadAt = (position, target) => {
      let done = 0;
      for (let n = -1; done < target.length && n !== 0; done += n) n = readSync(fd, target, done, target.length - done, position + done);
      return done;
    };
    return decodeFrom(fstatSync(fd).size, readAt, key);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * Keeps the facts for the next start. Best effort: a folder that cannot be written (full, read
 * only) only means the next start builds the index from the rows; a file that could not be
 * replaced is removed so that it is not read for a key it no longer matches (it could not: the
 * key is inside it).
 */
export function writeIndexFacts(file: string, key: string, facts: SearchIndexFacts): boolean {
  try {
    writeFileDurably(file, encodeIndexParts(key, facts));
    return true;
  } catch {
    try {
      rmSync(file, { force: true });
    } catch {
      // Left as it was: its key does not match a changed directory, so it is not used.
    }
    return false;
  }
}
