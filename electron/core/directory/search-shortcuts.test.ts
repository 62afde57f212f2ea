import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchParams } from '../../../shared/contract';
import type { DirectoryService } from '../../../shared/domain/directory';
import { englandAndWalesCalendar } from '../../../shared/lib/bank-holidays';
import { generateDirectory, loadEnglandSectors } from '../../../scripts/synthetic/generate-directory';
import { writeDirectoryDb } from '../../../scripts/synthetic/write-directory-db';
import { makeService, writeTestDirectory } from '../../../test/support/services';
import { DirectoryDb } from './directory-db';
import { DirectorySearch, type SearchContext } from './directory-search';
import { FtsVocabulary } from './fts-vocabulary';
import { loadPostcodeCentroids } from './postcode-centroids';
import { SearchIndex } from './search-index';
import { WordMatchSets } from './word-match-sets';

/*
 * The search takes shortcuts: "open now" asked once per schedule per minute, services the filters
 * or the text leave out refused before their distance, once a page is full, matches that cannot
 * rank before its last kept only counted, a word no longer term begins with asked of FTS5 as
 * that term instead of as a prefix (FtsVocabulary), and the services of common words kept in memory
 * between searches as bitsets (WordMatchSets). These tests hold every page to the plain judgement of every
 * match (DirectorySearch with exhaustive set) over a generated directory, where common words match
 * thousands of services and the shortcuts do most of the work, and every kept bitset to FTS5's
 * answer for its word after catch-ups.
 */

const GEO_DIR = path.resolve(import.meta.dirname, '../../../data/geo');
const calendar = englandAndWalesCalendar();
const centroids = loadPostcodeCentroids(GEO_DIR);
const COUNT = 4_000;

const MOMENTS = [
  new Date('2026-11-25T20:30:00Z'), // a Wednesday evening
  new Date('2026-11-29T03:10:00Z'), // a Sunday night
  new Date('2026-12-25T11:00:00Z'), // Christmas Day, a bank holiday
  new Date('2027-03-28T01:30:00Z'), // the hour the clocks go forward
];

const QUERIES: SearchParams[] = [
  { text: 'crisis' },
  { text: 'crisis caf' },
  { text: 'safe haven' },
  { text: 'young people' },
  { text: 'mind' },
  { text: 'c' },
  // Whole words with and without longer terms beginning with them, alone and together.
  { text: 'crisis' },
  { text: 'Crisis Cafe' },
  { text: 'treatment home' },
  { text: 'people' },
  { text: 'support' },
  { text: 'crisis', offset: 40, limit: 30 },
  {},
  { openNow: true },
  { text: 'crisis', openNow: true, includeTemporarilyClosed: false },
  { postcode: 'SE5 8AZ' },
  { postcode: 'SE5 8AZ', openNow: true },
  { postcode: 'M1 1AE', types: ['crisis_cafe', 'safe_haven'], age: 34 },
  { postcode: 'LS1 4', radiusKm: 50 },
  { postcode: 'W1', text: 'crisis', openNow: true },
  { postcode: 'M1 1AE', text: 'crisis', types: ['crisis_cafe', 'sanctuary', 'safe_haven'], openNow: true, age: 19 },
  { postcode: 'BS1 5', text: 'talk', age: 40, referralRoutes: ['self', 'gp'] },
  { postcode: 'B33 8', text: 'haven', radiusKm: 15 },
  { position: { lat: 53.48, lon: -2.24 }, text: 'line' },
  { position: { lat: 51.47, lon: -0.09 }, radiusKm: 5 },
  // As typed, a search at each key: beginnings of common words, alone, after a whole word, near a
  // place, and with rare words (asked of FTS5, then held to the common words' sets).
  { text: 'cr' },
  { text: 'cri' },
  { text: 'cris' },
  { text: 'crisis ca' },
  { text: 'sa' },
  { text: 'crisis camberwell' },
  { text: 'zzqx crisis' },
  { postcode: 'SE5 8AZ', text: 'cr', openNow: true },
  { postcode: 'M1 1AE', text: 'yo', age: 16 },
  { position: { lat: 53.8, lon: -1.55 }, text: 'ha su', radiusKm: 30 },
];

const PAGES: Pick<SearchParams, 'offset' | 'limit'>[] = [{}, { offset: 25 }, { limit: 1 }, { offset: 3, limit: 7 }, { limit: 200 }, { offset: 500, limit: 50 }];

function contextOf(p: SearchParams, at: Date): SearchContext {
  if (p.postcode) {
    const origin = centroids.locate(p.postcode).origin!;
    return { origin, originDistrict: origin.district, at, calendar };
  }
  if (p.position) return { origin: { label: 'Position', ...p.position, precision: 'position', radiusKm: null, district: null }, originDistrict: null, at, calendar };
  return { origin: null, originDistrict: null, at, calendar };
}

/** What a page says, in order: every field the screen shows and ranks by. */
const pageOf = (r: ReturnType<DirectorySearch['search']>) => ({
  total: r.total,
  results: r.results.map((x) => [x.service.id, x.score, x.distanceKm, x.catchment, x.coversOrigin, x.openState]),
});

let dir: string;
let directory: DirectoryDb;
let services: DirectoryService[];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-shortcuts-'));
  services = generateDirectory({ seed: 7, count: COUNT, sectors: loadEnglandSectors(GEO_DIR) });
  writeDirectoryDb(path.join(dir, 'directory.db'), services, { version: '1', publishedAt: '2026-11-01T00:00:00.000Z' });
  directory = DirectoryDb.open(path.join(dir, 'directory.db'), centroids, calendar);
});

afterAll(() => {
  directory.close();
  rmSync(dir, { recursive: true, force: true });
});

function expectSameAsExhaustive(db: DirectoryDb, options: { budgetBytes?: number } = {}): { compared: number; kept: string[] } {
  const index = SearchIndex.build(db.db);
  const vocabulary = new FtsVocabulary(db.db);
  vocabulary.load();
  const wordSets = new WordMatchSets(db.db, vocabulary, index, options);
  const fast = new DirectorySearch(db.db, index, { vocabulary, wordSets });
  const plain = new DirectorySearch(db.db, index, { exhaustive: true });
  let compared = 0;
  for (const at of MOMENTS) {
    for (const q of QUERIES) {
      for (const page of PAGES) {
        const p = { ...q, ...page };
        const ctx = contextOf(p, at);
        expect(pageOf(fast.search(p, ctx)), JSON.stringify({ p, at })).toEqual(pageOf(plain.search(p, ctx)));
        compared++;
      }
    }
  }
  return { compared, kept: [...wordSets.entries()].map(([key]) => key) };
}

/** Each set the desk keeps holds exactly the services FTS5 finds for its key. */
function expectSetsAsFts(db: DirectoryDb): number {
  const fts = db.db.prepare('SELECT rowid FROM service_fts WHERE service_fts MATCH ? ORDER BY rowid').pluck();
  let sets = 0;
  for (const [key] of [...db.wordSets.entries()]) {
    expect(db.wordSets.servicesOf(key), key).toEqual(fts.all(key));
    sets++;
  }
  return sets;
}

describe('search shortcuts agree with judging every match', () => {
  it('gives the same pages, totals and scores for common words, places and filters, at four moments', () => {
    // The words are common: the shortcuts must have had thousands of matches to pass over.
    expect(directory.search({ text: 'crisis' }, MOMENTS[0]!).total).toBeGreaterThan(1_000);
    expect(directory.search({ text: 'safe haven' }, MOMENTS[0]!).total).toBeGreaterThan(200);
    const { compared, kept } = expectSameAsExhaustive(directory);
    expect(compared).toBe(MOMENTS.length * QUERIES.length * PAGES.length);
    // Whole terms and beginnings of several were kept.
    expect(kept).toEqual(expect.arrayContaining(['"crisis"', '"cr"*', '"c"*']));
  });

  it('the desk’s own search gives the pages of the plain judgement, before and after it is warmed up', () => {
    const index = SearchIndex.build(directory.db);
    const plain = new DirectorySearch(directory.db, index, { exhaustive: true });
    for (const warm of [false, true]) {
      if (warm) directory.warm();
      for (const q of QUERIES) {
        const r = directory.search(q, MOMENTS[0]!);
        const p = plain.search(q, contextOf(q, MOMENTS[0]!));
        expect(r.results.map((x) => x.service.id)).toEqual(p.results.map((x) => x.service.id));
        expect(r.total).toBe(p.total);
      }
    }
  });

  it('asks for "open now" again when the minute changes, however few seconds apart', () => {
    const index = SearchIndex.build(directory.db);
    const fast = new DirectorySearch(directory.db, index);
    const plain = new DirectorySearch(directory.db, index, { exhaustive: true });
    // A schedule session of the generated directory starts or ends on the hour: 19:59:59 and 20:00:00 differ.
    const instants = ['2026-11-25T19:59:00Z', '2026-11-25T19:59:59.999Z', '2026-11-25T20:00:00Z', '2026-11-25T19:59:30Z', '2026-11-26T19:59:30Z'].map((t) => new Date(t));
    const opened = new Set<number>();
    for (const at of instants) {
      for (const q of [{ openNow: true, limit: 200 }, { text: 'crisis', openNow: true }, { postcode: 'SE5 8AZ', openNow: true }]) {
        const ctx = contextOf(q, at);
        const r = fast.search(q, ctx);
        expect(pageOf(r), JSON.stringify({ q, at })).toEqual(pageOf(plain.search(q, ctx)));
        if (!q.text && !q.postcode) opened.add(r.total);
      }
    }
    // The instants do not all find the same services open, or the test would prove nothing.
    expect(opened.size).toBeGreaterThan(1);
  });

  it('still agrees after a catch-up renames, moves, reschedules, adds and removes services', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'crisis-desk-shortcuts-apply-'));
    const file = path.join(d, 'directory.db');
    const some = services.slice(0, 1_500);
    writeDirectoryDb(file, some, { version: '1', publishedAt: '2026-11-01T00:00:00.000Z' });
    const db = DirectoryDb.open(file, centroids, calendar);
    // The first searches make the index's lazy parts (packed grid, catchment flags, scratch space),
    // and warming up reads the full-text terms: "crisis" is then asked for as a term.
    expect(db.search({ postcode: 'SE5 8AZ', text: 'crisis' }, MOMENTS[0]!).total).toBeGreaterThan(0);
    db.warm();
    const crisisBefore = db.search({ text: 'crisis' }, MOMENTS[0]!).total;
    const changes = [
      // Renamed to sort first, and last, among names sharing their first letters.
      { op: 'put' as const, version: 2, service: { ...some[3]!, name: 'Aaa Crisis Line' } },
      { op: 'put' as const, version: 2, service: { ...some[4]!, name: 'Aa' } },
      { op: 'put' as const, version: 2, service: { ...some[5]!, name: '\u{1F600} Crisis Café' } },
      // New terms: one that begins with a whole word the vocabulary held alone ("crisis"), and one
      // no service had, written with accents and capitals as a publisher might.
      { op: 'put' as const, version: 2, service: { ...some[9]!, name: 'Crisisline Haven', organisation: { ...some[9]!.organisation, name: 'Zÿzzogwä Trust' }, keywords: [], description: 'Open to all.' } },
      // Moved next to SE5, and given a schedule no other service has.
      {
        op: 'put' as const,
        version: 2,
        service: {
          ...some[6]!,
          status: 'active' as const,
          alert: undefined,
          locations: [{ id: 'moved', lat: 51.468, lon: -0.086 }],
          schedule: { alwaysOpen: false, weekly: [{ days: [3], opens: '20:17', closes: '20:43' }], bankHolidays: 'closed' as const, exceptions: [] },
        },
      },
      // New services (beyond the first 1,500), and two removed.
      ...services.slice(1_500, 1_700).map((service) => ({ op: 'put' as const, version: 2, service })),
      { op: 'del' as const, version: 2, id: some[7]!.id },
      { op: 'del' as const, version: 2, id: some[8]!.id },
    ];
    db.applyChanges(changes, { cursor: 'c2', version: 2, syncedAt: '2026-11-25T20:00:00.000Z' });
    const plain = new DirectorySearch(db.db, SearchIndex.build(db.db), { exhaustive: true });
    for (const text of ['crisis', 'crisisline', 'Zyzzogwa', 'zÿzzogwä trust', 'crisis haven']) {
      const r = db.search({ text, limit: 1_000 }, MOMENTS[0]!);
      const p = plain.search({ text, limit: 1_000 }, contextOf({ text }, MOMENTS[0]!));
      expect(r.results.map((x) => x.service.id), text).toContain(some[9]!.id);
      expect(r.results.map((x) => x.service.id), text).toEqual(p.results.map((x) => x.service.id));
      expect(r.total, text).toBe(p.total);
    }
    // The renamed service and the 200 new ones are found by "crisis" as well as those there before.
    expect(db.search({ text: 'crisis' }, MOMENTS[0]!).total).toBeGreaterThan(crisisBefore);
    expect(db.search({ text: 'Aa' }, MOMENTS[0]!).results.map((r) => r.service.id)).toContain(some[4]!.id);
    const moved = db.search({ postcode: 'SE5 8AZ', openNow: true, radiusKm: 1, limit: 500 }, MOMENTS[0]!).results.find((r) => r.service.id === some[6]!.id);
    expect(moved?.distanceKm).toBeLessThan(0.2);
    expect(db.search({ postcode: 'SE5 8AZ', openNow: true, radiusKm: 1, limit: 500 }, MOMENTS[1]!).results.map((r) => r.service.id)).not.toContain(some[6]!.id);
    const { compared, kept } = expectSameAsExhaustive(db);
    expect(compared).toBeGreaterThan(0);
    // "c" begins terms of most services, even in this smaller directory: its set was kept.
    expect(kept).toContain('"c"*');
    db.close();
    rmSync(d, { recursive: true, force: true });
  });

  it('answers as the plain judgement when few word sets fit in memory and the oldest are dropped', () => {
    const { compared, kept } = expectSameAsExhaustive(directory, { budgetBytes: 0 });
    expect(compared).toBe(MOMENTS.length * QUERIES.length * PAGES.length);
    expect(kept.length).toBe(8);
  });

  it('keeps its word sets current through catch-ups that add, rewrite and remove the services holding the words', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'crisis-desk-word-sets-'));
    const file = path.join(d, 'directory.db');
    copyFileSync(path.join(dir, 'directory.db'), file);
    const db = DirectoryDb.open(file, centroids, calendar);
    db.warm();
    const TYPED = ['c', 'cr', 'cri', 'crisis', 'crisis ca', 'ca', 'sa', 'safe haven', 'su', 'people', 'quie', 'zzqx'];
    for (const text of TYPED) db.search({ text }, MOMENTS[0]!);
    const kept = [...db.wordSets.entries()].map(([key]) => key);
    expect(kept).toEqual(expect.arrayContaining(['"crisis"', '"c"*', '"cr"*', '"ca"*']));
    const crisisIds = (limit: number) => new Set(db.search({ text: 'crisis', limit }, MOMENTS[0]!).results.map((r) => r.service.id));
    const before = crisisIds(5_000);
    const holding = services.filter((s) => before.has(s.id));
    const without = services.filter((s) => !before.has(s.id));
    // Text with no "crisis" anywhere (name, organisation, area, keywords, description).
    const quiet = (s: DirectoryService, name: string): DirectoryService => ({
      ...s,
      name,
      organisation: { ...s.organisation, name: 'Quiet Trust' },
      keywords: [],
      description: undefined,
      coverage: { ...s.coverage, description: undefined },
      locations: s.locations.map((l) => ({ ...l, name: undefined, address: undefined })),
    });
    const put = (service: DirectoryService) => ({ op: 'put' as const, version: 2, service });
    const del = (id: string) => ({ op: 'del' as const, version: 2, id });
    const newcomer = { ...without[0]!, id: 'svc-new-crisis', name: 'Crisisline Zzqx Haven' };
    db.applyChanges(
      [
        // Loses the word; gains it; written twice in one batch (the last text counts), both ways.
        put(quiet(holding[0]!, 'Quiet Room')),
        put({ ...without[1]!, name: 'Crisis Sanctuary Zzqx' }),
        put({ ...holding[1]!, name: 'Crisis Twice' }),
        put(quiet(holding[1]!, 'Quiet Twice')),
        put(quiet(without[2]!, 'Quiet First')),
        put({ ...without[2]!, name: 'Crisis Second' }),
        // Written then removed; removed then written again; removed; new.
        put({ ...without[3]!, name: 'Crisis Gone' }),
        del(without[3]!.id),
        del(holding[2]!.id),
        put({ ...holding[2]!, name: 'Crisis Back' }),
        del(holding[3]!.id),
        put(newcomer),
      ],
      { cursor: 'c2', version: 2, syncedAt: '2026-11-25T20:00:00.000Z' },
    );
    // The sets were brought up to date, not dropped.
    expect([...db.wordSets.entries()].map(([key]) => key)).toEqual(expect.arrayContaining(['"crisis"', '"c"*', '"cr"*']));
    expect(expectSetsAsFts(db)).toBeGreaterThanOrEqual(kept.length);
    const after = crisisIds(5_000);
    expect(after.has(holding[0]!.id)).toBe(false);
    expect(after.has(without[1]!.id)).toBe(true);
    expect(after.has(holding[1]!.id)).toBe(false);
    expect(after.has(without[2]!.id)).toBe(true);
    expect(after.has(without[3]!.id)).toBe(false);
    expect(after.has(holding[2]!.id)).toBe(true);
    expect(after.has(holding[3]!.id)).toBe(false);
    expect(after.has(newcomer.id)).toBe(true);
    const plain = () => new DirectorySearch(db.db, SearchIndex.build(db.db), { exhaustive: true });
    const expectAsPlain = (judge: DirectorySearch) => {
      for (const q of [...TYPED.map((text) => ({ text })), ...QUERIES]) {
        const ctx = contextOf(q, MOMENTS[0]!);
        const r = db.search(q, MOMENTS[0]!);
        expect(pageOf({ ...r, results: r.results }), JSON.stringify(q)).toEqual(pageOf(judge.search(q, ctx)));
      }
    };
    expectAsPlain(plain());
    // A catch-up removing more than a fifth of the directory rebuilds the index, numbering its
    // slots afresh: the sets start again, and are made anew as words are typed.
    db.applyChanges(
      services.slice(100, 1_200).map((s) => del(s.id)),
      { cursor: 'c3', version: 3, syncedAt: '2026-11-25T20:10:00.000Z' },
    );
    expect([...db.wordSets.entries()]).toHaveLength(0);
    expectAsPlain(plain());
    expect(expectSetsAsFts(db)).toBeGreaterThan(3);
    db.close();
    rmSync(d, { recursive: true, force: true });
  });

  it('drops its word sets, and answers as before, when a catch-up’s text cannot be tokenized for them', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'crisis-desk-word-sets-fail-'));
    const file = path.join(d, 'directory.db');
    copyFileSync(path.join(dir, 'directory.db'), file);
    const db = DirectoryDb.open(file, centroids, calendar);
    db.warm();
    for (const text of ['crisis', 'cr', 'c']) db.search({ text }, MOMENTS[0]!);
    expect([...db.wordSets.entries()].length).toBeGreaterThan(0);
    // A scratch table of the same name but unlike the one the vocabulary makes: tokenizing fails.
    db.db.exec('CREATE TABLE temp.fts_scratch (other TEXT)');
    db.applyChanges([{ op: 'put', version: 2, service: { ...services[0]!, name: 'Quiet Place' } }], { cursor: 'c2', version: 2, syncedAt: '2026-11-25T20:00:00.000Z' });
    expect([...db.wordSets.entries()]).toHaveLength(0);
    const plain = new DirectorySearch(db.db, SearchIndex.build(db.db), { exhaustive: true });
    for (const text of ['crisis', 'cr', 'c', 'quiet']) {
      const r = db.search({ text }, MOMENTS[0]!);
      expect(pageOf(r), text).toEqual(pageOf(plain.search({ text }, contextOf({ text }, MOMENTS[0]!))));
    }
    expect([...db.wordSets.entries()]).toHaveLength(0);
    db.close();
    rmSync(d, { recursive: true, force: true });
  });

  it('orders services of equal rank by name exactly as the strings compare, however the names begin', () => {
    const names = ['b', 'a', 'ab', 'abc', 'abd', 'abca', 'ab\u0000', 'Ab', 'Éa', 'Ea', '\u{1F600}x', '\u{1F601}', '\uFFFFz', 'z', '', 'ABC', 'ABC', 'abc '];
    const d = mkdtempSync(path.join(tmpdir(), 'crisis-desk-names-'));
    const file = path.join(d, 'directory.db');
    // The same everything but the name, so only the name (then the rowid) orders them.
    writeTestDirectory(file, names.map((name, i) => makeService({ id: `n${i}`, name, type: 'crisis_helpline', coverage: { national: true, postcodes: [] } })));
    const db = DirectoryDb.open(file, centroids, calendar);
    const ids = db.search({ limit: 100 }, MOMENTS[0]!).results.map((r) => r.service.id);
    const expected = names
      .map((name, i) => ({ name, i }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.i - b.i))
      .map((x) => `n${x.i}`);
    expect(ids).toEqual(expected);
    db.close();
    rmSync(d, { recursive: true, force: true });
  });
});
