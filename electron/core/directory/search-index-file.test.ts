import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SearchParams } from '../../../shared/contract';
import type { DirectoryService } from '../../../shared/domain/directory';
import { englandAndWalesCalendar } from '../../../shared/lib/bank-holidays';
import { generateDirectory, loadEnglandSectors } from '../../../scripts/synthetic/generate-directory';
import { writeDirectoryDb } from '../../../scripts/synthetic/write-directory-db';
import { DirectoryDb } from './directory-db';
import { loadPostcodeCentroids } from './postcode-centroids';
import { SearchIndex } from './search-index';
import { indexFileOf, readIndexFacts, writeIndexFacts } from './search-index-file';

/*
 * The search index kept in a file for the next start (search-index-file.ts) is only ever a copy:
 * a desk that loads it answers every search exactly as one that built its index from the rows,
 * and any change to the directory, a file made for another directory or a damaged file means the
 * index is built from the rows again.
 */

const GEO_DIR = path.resolve(import.meta.dirname, '../../../data/geo');
const calendar = englandAndWalesCalendar();
const centroids = loadPostcodeCentroids(GEO_DIR);
const AT = new Date('2026-11-25T20:30:00Z');

const QUERIES: SearchParams[] = [
  { text: 'crisis' },
  { text: 'safe haven', openNow: true },
  {},
  { postcode: 'SE5 8AZ', openNow: true },
  { postcode: 'M1 1AE', types: ['crisis_cafe', 'safe_haven'], age: 34 },
  { postcode: 'LS1 4', radiusKm: 50, text: 'support' },
  { position: { lat: 51.47, lon: -0.09 }, radiusKm: 5, limit: 200 },
  { text: 'line', offset: 20, limit: 50 },
];

/** Every answer to QUERIES, field by field as the screen shows and ranks them. */
function answers(d: DirectoryDb) {
  return QUERIES.map((q) => {
    const r = d.search(q, AT);
    return { total: r.total, results: r.results.map((x) => [x.service.id, x.score, x.distanceKm, x.catchment, x.coversOrigin, x.openState, x.dataAgeDays]) };
  });
}

/** The index the rows give now, as plain arrays, to compare with the one a desk holds. */
const factsOf = (index: SearchIndex) => {
  const f = index.facts();
  return { ...f, schedules: [...f.schedules].map(([id, c]) => [id, [...c]]), nationals: [...f.nationals].sort((a, b) => a - b) };
};
const indexOf = (d: DirectoryDb) => (d as unknown as { index: SearchIndex }).index;

let services: DirectoryService[];
let dir: string;
let file: string;

beforeAll(() => {
  services = generateDirectory({ seed: 11, count: 1_500, sectors: loadEnglandSectors(GEO_DIR) });
});

function freshDirectory(list = services, version = '1'): void {
  dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-index-file-'));
  file = path.join(dir, 'directory.db');
  writeDirectoryDb(file, list, { version, publishedAt: '2026-11-01T00:00:00.000Z' });
}

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens the directory, saying whether its index was built from the rows (else loaded from the file). */
function open(): { d: DirectoryDb; built: boolean } {
  const build = vi.spyOn(SearchIndex, 'build');
  const d = DirectoryDb.open(file, centroids, calendar);
  const built = build.mock.calls.length > 0;
  build.mockRestore();
  return { d, built };
}

describe('the search index kept for the next start', () => {
  it('is written when the desk closes, and the next start loads it and answers exactly as a built index', () => {
    freshDirectory();
    const first = open();
    expect(first.built).toBe(true);
    const builtAnswers = answers(first.d);
    const builtFacts = factsOf(indexOf(first.d));
    first.d.close({ keepIndex: true });
    expect(existsSync(indexFileOf(file))).toBe(true);

    const second = open();
    expect(second.built).toBe(false);
    expect(factsOf(indexOf(second.d))).toEqual(builtFacts);
    expect(answers(second.d)).toEqual(builtAnswers);
    expect(builtAnswers.some((a) => a.total > 0)).toBe(true);
    // Loaded again after a close with no change: the file is still the directory's.
    second.d.close({ keepIndex: true });
    const third = open();
    expect(third.built).toBe(false);
    third.d.close();
  });

  it('is written once the desk warms up, without waiting for it to close', () => {
    freshDirectory();
    const first = open();
    first.d.warm();
    expect(existsSync(indexFileOf(file))).toBe(true);
    // As if the process were killed: the index file already there is the directory's.
    const copy = path.join(dir, 'copy');
    mkdirSync(copy);
    cpSync(indexFileOf(file), indexFileOf(path.join(copy, 'directory.db')));
    first.d.close();
    const second = open();
    expect(second.built).toBe(false);
    second.d.close();
  });

  it('follows a catch-up: the desk keeps the changed index, and the next start answers as one built from the changed rows', () => {
    freshDirectory();
    const first = open();
    first.d.close({ keepIndex: true });
    const second = open();
    expect(second.built).toBe(false);
    const moved = { ...services[3]!, name: 'Zebra Crossing Crisis Line', ageMin: 18, locations: [{ ...services[3]!.locations[0]!, lat: 53.8, lon: -1.55 }] };
    const added = { ...services[5]!, id: 'added-service', name: 'Added Crisis Haven' };
    second.d.applyChanges(
      [
        { op: 'put', version: 2, service: moved },
        { op: 'put', version: 2, service: added },
        { op: 'del', version: 2, id: services[7]!.id },
      ],
      { cursor: 'c2', version: 2, syncedAt: '2026-11-25T20:00:00.000Z' },
    );
    second.d.markSynced('2026-11-25T20:05:00.000Z');
    const changedAnswers = answers(second.d);
    second.d.close({ keepIndex: true });

    const third = open();
    expect(third.built).toBe(false);
    expect(answers(third.d)).toEqual(changedAnswers);
    expect(third.d.search({ text: 'Zebra Crossing' }, AT).results.map((r) => r.service.id)).toEqual([services[3]!.id]);
    expect(third.d.search({ text: 'Added Crisis Haven' }, AT).results.map((r) => r.service.id)).toContain('added-service');
    expect(() => third.d.get(services[7]!.id, AT)).toThrow(/no longer in the directory/);
    third.d.close();
    // The same answers as an index built from the changed rows.
    rmSync(indexFileOf(file));
    const rebuilt = open();
    expect(rebuilt.built).toBe(true);
    expect(answers(rebuilt.d)).toEqual(changedAnswers);
    rebuilt.d.close();
  });

  it('is not used once the directory changed without the desk (another file, a tool writing it, a change while it was not kept)', () => {
    freshDirectory();
    const first = open();
    first.d.close({ keepIndex: true });
    // Another directory written in its place, with the same version.
    const other = services.slice(0, 1_000).map((s, i) => (i === 0 ? { ...s, name: 'Only In The New File Crisis Line' } : s));
    writeDirectoryDb(file, other, { version: '1', publishedAt: '2026-11-01T00:00:00.000Z' });
    const second = open();
    expect(second.built).toBe(true);
    expect(indexOf(second.d).count).toBe(1_000);
    expect(second.d.search({ text: 'Only In The New File' }, AT).total).toBe(1);
    second.d.close();

    // A change made while the index was not kept (closed without keeping it): the kept file is older.
    const third = open();
    third.d.close({ keepIndex: true });
    const fourth = open();
    expect(fourth.built).toBe(false);
    fourth.d.applyChanges([{ op: 'del', version: 2, id: other[1]!.id }], { cursor: 'c2', version: 2, syncedAt: '2026-11-25T20:00:00.000Z' });
    fourth.d.close();
    const fifth = open();
    expect(fifth.built).toBe(true);
    expect(indexOf(fifth.d).count).toBe(999);
    fifth.d.close();
  });

  it('is not used when it was made for another directory, is damaged or cut short; the index is built and answers as before', () => {
    freshDirectory();
    const first = open();
    const builtAnswers = answers(first.d);
    first.d.close({ keepIndex: true });
    const kept = readFileSync(indexFileOf(file));
    const damaged: Buffer[] = [kept.subarray(0, kept.length - 100), kept.subarray(0, 10), Buffer.alloc(0)];
    for (const at of [20, Math.floor(kept.length / 2), kept.length - 1]) {
      const copy = Buffer.from(kept);
      copy[at]! ^= 0x40;
      damaged.push(copy);
    }
    for (const bytes of damaged) {
      writeFileSync(indexFileOf(file), bytes);
      const again = open();
      expect(again.built).toBe(true);
      expect(answers(again.d)).toEqual(builtAnswers);
      again.d.close();
    }
  });

  it('a write cut short (the desk killed while closing) leaves nothing behind after the next start', () => {
    freshDirectory();
    const left = `${indexFileOf(file)}.tmp-99999`;
    writeFileSync(left, Buffer.alloc(4096, 1));
    const first = open();
    expect(first.built).toBe(true);
    expect(existsSync(left)).toBe(false);
    expect(existsSync(file)).toBe(true);
    first.d.close();
  });

  it('a file for one key is refused for any other key', () => {
    freshDirectory();
    const d = open().d;
    const kept = path.join(path.dirname(file), 'other.search-index');
    expect(writeIndexFacts(kept, 'key-a', indexOf(d).facts())).toBe(true);
    expect(readIndexFacts(kept, 'key-a')).not.toBeNull();
    expect(readIndexFacts(kept, 'key-b')).toBeNull();
    d.close();
  });

  it('a folder where the index cannot be written costs only the build at the next start', () => {
    freshDirectory();
    // A folder in the file's place: writing it fails as it would on a read-only or full disk.
    mkdirSync(path.join(indexFileOf(file), 'in-the-way'), { recursive: true });
    const first = open();
    const builtAnswers = answers(first.d);
    expect(() => first.d.warm()).not.toThrow();
    expect(() => first.d.close({ keepIndex: true })).not.toThrow();
    const second = open();
    expect(second.built).toBe(true);
    expect(answers(second.d)).toEqual(builtAnswers);
    second.d.close();
  });

  it('keeps names that are not Latin-1 as they were', () => {
    const named = services.map((s, i) => (i === 0 ? { ...s, name: 'Llinell Gymorth — Cymru ✓ 𝄞' } : i === 1 ? { ...s, name: 'Café Crisis Haven' } : s));
    freshDirectory(named);
    const first = open();
    const builtFacts = factsOf(indexOf(first.d));
    first.d.close({ keepIndex: true });
    const second = open();
    expect(second.built).toBe(false);
    expect(factsOf(indexOf(second.d))).toEqual(builtFacts);
    expect(indexOf(second.d).name).toContain('Llinell Gymorth — Cymru ✓ 𝄞');
    second.d.close();
  });
});
