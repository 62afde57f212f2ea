/*
 * What a catch-up leaves for after it (DirectoryDb.tidySoon): FTS5's merges (the new words' terms
 * are added with the catch-up, as the search's kept word sets are brought up to date from them). Searches must give the answers of a freshly built directory at every point: right after
 * the catch-up, while the work is pending, and once it is done; and the merges must happen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SearchParams } from '../../../shared/contract';
import type { DirectoryService } from '../../../shared/domain/directory';
import { englandAndWalesCalendar } from '../../../shared/lib/bank-holidays';
import { at, makeService, writeTestDirectory } from '../../../test/support/services';
import { DirectoryDb, type DirectoryChange } from './directory-db';
import { loadPostcodeCentroids } from './postcode-centroids';

const GEO_DIR = path.resolve(import.meta.dirname, '../../../data/geo');
const postcodes = loadPostcodeCentroids(GEO_DIR);
const calendar = englandAndWalesCalendar();
const WHEN = new Date('2026-11-25T20:30:00Z');
const SE5_8 = [51.46839, -0.08623] as const;

const TOWNS = ['Camberwell', 'Peckham', 'Brixton', 'Lambeth', 'Southwark', 'Lewisham', 'Deptford', 'Greenwich'];
const KINDS = [['Crisis Café', 'crisis_cafe'], ['Safe Haven', 'safe_haven'], ['Crisis Line', 'crisis_helpline'], ['Sanctuary', 'sanctuary']] as const;

function service(i: number, name?: string): DirectoryService {
  const [kind, type] = KINDS[i % KINDS.length]!;
  return makeService({
    id: `s${i}`,
    name: name ?? `${TOWNS[i % TOWNS.length]} ${kind} ${i}`,
    type,
    locations: at(`s${i}`, SE5_8[0] + (i % 17) / 1000, SE5_8[1] - (i % 13) / 1000),
    keywords: [`kw${i % 5}`],
  });
}

/** Text, postcode and combined queries, including words only later versions hold. */
const QUERIES: SearchParams[] = [
  { text: 'crisis' }, { text: 'line' }, { text: 'lineside' }, { text: 'haven' }, { text: 'camberwell' }, { text: 'cri' },
  { text: 'zephyr' }, { text: 'zephyrs' }, { text: 'kw3' }, { text: 'crisis', postcode: 'SE5 8' }, { postcode: 'SE5 8AZ', radiusKm: 5 },
  { text: 'sanctuary peckham' },
];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-apply-'));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

/** A desk's directory of version 1, warmed as a desk in use is (its terms loaded). */
function desk(services: DirectoryService[]): DirectoryDb {
  const file = path.join(dir, 'directory.db');
  writeTestDirectory(file, services);
  const db = DirectoryDb.open(file, postcodes, calendar);
  db.warm();
  return db;
}

let rebuilt = 0;
/** Every query answered as a directory built afresh from these services answers it. */
function expectSameAnswers(db: DirectoryDb, services: DirectoryService[], when: string): void {
  const file = path.join(dir, `fresh-${rebuilt++}.db`);
  writeTestDirectory(file, services);
  const fresh = DirectoryDb.open(file, postcodes, calendar);
  fresh.warm();
  try {
    for (const q of QUERIES) {
      const answer = (x: DirectoryDb) => {
        const r = x.search({ ...q, limit: 100 }, WHEN);
        return { total: r.total, results: r.results.map((s) => [s.service.id, s.service.name, s.distanceKm]) };
      };
      expect(answer(db), `${JSON.stringify(q)} ${when}`).toEqual(answer(fresh));
    }
  } finally {
    fresh.close();
  }
}

/** FTS5 segments of service_fts (each has at least one row in its %_idx table). */
const segments = (db: DirectoryDb) => db.db.prepare('SELECT count(DISTINCT segid) FROM service_fts_idx').pluck().get() as number;

/**
 * Version v in the feed's order (by id, not the desk's rowid order): up to 30 services renamed
 * (some with words no earlier version had), up to 3 others removed, 3 added. As in the feed, a
 * service appears once.
 */
function nextVersion(current: Map<string, DirectoryService>, v: number): DirectoryChange[] {
  const changes: DirectoryChange[] = [];
  const renamed = new Set<string>();
  for (let k = 0; k < 30; k++) {
    const i = (v * 31 + k * 7) % 120;
    if (!current.has(`s${i}`)) continue;
    const s = service(i, `${TOWNS[(i + v) % TOWNS.length]} ${k % 3 === 0 ? 'Lineside' : 'Zephyr'} ${KINDS[i % KINDS.length]![0]} v${v}`);
    current.set(s.id, s);
    renamed.add(s.id);
    changes.push({ op: 'put', version: v, service: s });
  }
  for (let k = 0; k < 3; k++) {
    const id = `s${(v * 13 + k * 29) % 120}`;
    if (!renamed.has(id) && current.delete(id)) changes.push({ op: 'del', version: v, id });
    const added = service(1000 + v * 10 + k);
    current.set(added.id, added);
    changes.push({ op: 'put', version: v, service: added });
  }
  return changes.sort((a, b) => ((a.op === 'put' ? a.service.id : a.id) < (b.op === 'put' ? b.service.id : b.id) ? -1 : 1));
}

describe('a catch-up and the work it leaves for after it', () => {
  it('keeps FTS5 merges out of its commit, makes them afterwards, and answers as a fresh directory throughout', () => {
    vi.useFakeTimers();
    const v1 = Array.from({ length: 120 }, (_, i) => service(i));
    const db = desk(v1);
    const current = new Map(v1.map((s) => [s.id, s]));
    const before = segments(db);
    for (let v = 2; v <= 6; v++) {
      db.applyChanges(nextVersion(current, v), { cursor: `c${v}`, version: v, syncedAt: WHEN.toISOString() });
      // Right after the catch-up: its merges not yet made.
      expectSameAnswers(db, [...current.values()], `right after version ${v}`);
    }
    // Each catch-up added one segment (written in rowid order, not the feed's), and none was
    // merged in a commit (automerge would have merged the first four in the fourth's).
    expect(db.db.prepare("SELECT v FROM service_fts_config WHERE k = 'automerge'").pluck().get()).toBe(0);
    expect(segments(db)).toBe(before + 5);
    // The work left for afterwards runs a step at a time.
    vi.advanceTimersByTime(50 * 100);
    expect(segments(db)).toBeLessThan(before + 5);
    // Nothing left to merge, as after automerge's own merges.
    expect(db.mergeFtsStep()).toBe(false);
    expectSameAnswers(db, [...current.values()], 'after the merges');
    db.close();
  });

  it('finds a service by a word only the catch-up brought, at once and after the work left for later', () => {
    vi.useFakeTimers();
    const v1 = [service(1, 'Camberwell Crisis Line'), service(2, 'Peckham Safe Haven')];
    const db = desk(v1);
    // "Lineside" begins with "line", a term the desk already holds: asked for by the old terms
    // alone, "line" would miss it.
    const added = service(3, 'Lineside Crisis Café');
    db.applyChanges([{ op: 'put', version: 2, service: added }], { cursor: 'c2', version: 2, syncedAt: WHEN.toISOString() });
    const names = () => db.search({ text: 'line' }, WHEN).results.map((r) => r.service.name).sort();
    expect(names()).toEqual(['Camberwell Crisis Line', 'Lineside Crisis Café']);
    vi.advanceTimersByTime(50);
    expect(names()).toEqual(['Camberwell Crisis Line', 'Lineside Crisis Café']);
    expectSameAnswers(db, [...v1, added], 'after the work left for later');
    db.close();
  });

  it('makes the merges a desk closed before making them, once it is open and warmed again', () => {
    vi.useFakeTimers();
    const v1 = Array.from({ length: 120 }, (_, i) => service(i));
    let db = desk(v1);
    const current = new Map(v1.map((s) => [s.id, s]));
    for (let v = 2; v <= 5; v++) db.applyChanges(nextVersion(current, v), { cursor: `c${v}`, version: v, syncedAt: WHEN.toISOString() });
    const held = segments(db);
    db.close();
    vi.advanceTimersByTime(10_000);
    db = DirectoryDb.open(path.join(dir, 'directory.db'), postcodes, calendar);
    expect(segments(db)).toBe(held);
    expect(db.cursor()).toBe('c5');
    db.warm();
    vi.advanceTimersByTime(50 * 100);
    expect(segments(db)).toBeLessThan(held);
    expectSameAnswers(db, [...current.values()], 'reopened and merged');
    db.close();
  });

  it('leaves the index searchable when a merge step cannot write, and merges at the next chance', () => {
    vi.useFakeTimers();
    const v1 = Array.from({ length: 120 }, (_, i) => service(i));
    const db = desk(v1);
    const current = new Map(v1.map((s) => [s.id, s]));
    for (let v = 2; v <= 5; v++) db.applyChanges(nextVersion(current, v), { cursor: `c${v}`, version: v, syncedAt: WHEN.toISOString() });
    const held = segments(db);
    // Every write refused, as a full disk refuses them: the steps fail without taking the desk down.
    db.db.pragma('query_only = 1');
    expect(() => vi.advanceTimersByTime(50 * 100)).not.toThrow();
    expect(segments(db)).toBe(held);
    expectSameAnswers(db, [...current.values()], 'with the merges refused');
    db.db.pragma('query_only = 0');
    db.warm();
    vi.advanceTimersByTime(50 * 100);
    expect(segments(db)).toBeLessThan(held);
    db.close();
  });
});
