import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreError, SearchParams, SearchResult } from '../../../shared/contract';
import { englandAndWalesCalendar } from '../../../shared/lib/bank-holidays';
import { at, makeService, writeTestDirectory } from '../../../test/support/services';
import { Core } from '../core';
import { DirectoryDb } from './directory-db';
import { ftsQuery, searchWords } from './directory-search';
import { loadPostcodeCentroids } from './postcode-centroids';

const GEO_DIR = path.resolve(import.meta.dirname, '../../../data/geo');

// Real sector centroids (OS Code-Point Open) so that postcode searches place the origin exactly.
const SE5_8 = [51.46839, -0.08623] as const;
const SE15_5 = [51.47375, -0.07152] as const;
const SW9_8 = [51.46244, -0.11215] as const;
const SE1_7 = [51.49796, -0.11394] as const;
const SE5_9 = [51.47069, -0.09877] as const;
const SE5_0 = [51.47978, -0.09604] as const;
const M1_1 = [53.48242, -2.23524] as const;

const weekdays = [1, 2, 3, 4, 5];
const everyDay = [1, 2, 3, 4, 5, 6, 7];

const services = [
  makeService({
    id: 'cafe', name: 'Camberwell Crisis Café', type: 'crisis_cafe', ageMin: 18, locations: at('cafe', ...SE5_8, 'SE5 8AA'),
    schedule: { alwaysOpen: false, weekly: [{ days: [3, 4, 5, 6, 7], opens: '18:00', closes: '23:00' }], bankHolidays: 'closed', exceptions: [] },
    keywords: ['walk-in', 'evening'],
  }),
  makeService({
    id: 'haven', name: 'Peckham Safe Haven', type: 'safe_haven', ageMin: 16, locations: at('haven', ...SE15_5),
    schedule: { alwaysOpen: false, weekly: [{ days: everyDay, opens: '12:00', closes: '22:00' }], bankHolidays: 'as_usual', exceptions: [] },
  }),
  makeService({
    id: 'sanctuary', name: 'Brixton Sanctuary', type: 'sanctuary', ageMin: 18, locations: at('sanctuary', ...SW9_8),
    schedule: { alwaysOpen: false, weekly: [{ days: everyDay, opens: '20:00', closes: '06:00' }], bankHolidays: 'as_usual', exceptions: [] },
  }),
  makeService({
    id: 'cyp', name: "Waterloo Young People's Crisis Team", type: 'cyp_crisis', ageMax: 17, locations: at('cyp', ...SE1_7),
    referral: { routes: ['professional', 'crisis_line'], how: 'Referral by a professional.' },
    schedule: { alwaysOpen: false, weekly: [{ days: weekdays, opens: '09:00', closes: '17:00' }], bankHolidays: 'closed', exceptions: [] },
  }),
  makeService({
    id: 'line', name: 'South London Crisis Line', type: 'crisis_helpline',
    coverage: { national: false, postcodes: ['SE15', 'SE5', 'SW9'], description: 'Southwark and Lambeth' },
  }),
  makeService({
    id: 'manchester', name: 'Manchester Crisis Café', type: 'crisis_cafe', locations: at('manchester', ...M1_1),
    schedule: { alwaysOpen: false, weekly: [{ days: everyDay, opens: '18:00', closes: '23:00' }], bankHolidays: 'as_usual', exceptions: [] },
  }),
  makeService({ id: 'text', name: 'National Text Support', type: 'text_support', coverage: { national: true, postcodes: [] } }),
  makeService({
    id: 'therapies', name: 'Camberwell Talking Therapies', type: 'talking_therapies', status: 'temporarily_closed', alert: 'Closed for refurbishment',
    locations: at('therapies', ...SE5_9),
    schedule: { alwaysOpen: false, weekly: [{ days: weekdays, opens: '09:00', closes: '17:00' }], bankHolidays: 'closed', exceptions: [] },
  }),
  makeService({ id: 'gone', name: 'Old Kent Road Drop-in', type: 'voluntary_support', status: 'defunct', locations: at('gone', ...SE5_0) }),
  makeService({
    id: 'house', name: 'Lambeth Crisis House', type: 'crisis_house', ageMin: 18, locations: at('house', ...SW9_8),
    referral: { routes: ['crisis_line', 'professional'], how: 'Crisis line or CRHT referral only.' }, lastVerified: '2025-01-10',
  }),
];

let dir: string;
let directory: DirectoryDb;
const calendar = englandAndWalesCalendar();

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-search-'));
  const file = path.join(dir, 'directory.db');
  writeTestDirectory(file, services);
  directory = DirectoryDb.open(file, loadPostcodeCentroids(GEO_DIR), calendar);
});

afterAll(() => {
  directory.close();
  rmSync(dir, { recursive: true, force: true });
});

// Wednesday 25 November 2026, 20:30 in London (GMT, so the same in UTC).
const WED_EVENING = new Date('2026-11-25T20:30:00Z');
const WED_MORNING = new Date('2026-11-25T10:00:00Z');

const ids = (params: SearchParams, when = WED_EVENING) => directory.search(params, when).results.map((r) => r.service.id);

describe('directory search', () => {
  it('finds open services near a postcode, nearest first, then area and national services', () => {
    expect(ids({ postcode: 'SE5 8AZ', openNow: true })).toEqual(['cafe', 'haven', 'sanctuary', 'house', 'line', 'text']);
  });

  it('accepts the postcode in lower case, without a space, or as a sector or district', () => {
    const expected = ids({ postcode: 'SE5 8AZ', openNow: true });
    expect(ids({ postcode: 'se58az', openNow: true })).toEqual(expected);
    expect(ids({ postcode: 'se5 8', openNow: true })).toEqual(expected);
    expect(directory.search({ postcode: 'SE5' }, WED_EVENING).origin).toMatchObject({ label: 'SE5', precision: 'district' });
  });

  it('reports distance, whether open and until when, and the age of the data', () => {
    const r = directory.search({ postcode: 'SE5 8AZ' }, WED_EVENING).results;
    const cafe = r.find((x) => x.service.id === 'cafe')!;
    expect(cafe.distanceKm).toBeLessThan(0.05);
    expect(cafe.openState).toMatchObject({ open: true, until: '2026-11-25T23:00:00.000Z' });
    const haven = r.find((x) => x.service.id === 'haven')!;
    expect(haven.distanceKm).toBeGreaterThan(1);
    expect(haven.distanceKm).toBeLessThan(1.5);
    const house = r.find((x) => x.service.id === 'house')!;
    expect(house.openState.until).toBeNull();
    expect(house.stale).toBe(true);
    expect(house.dataAgeDays).toBe(684);
    expect(cafe.stale).toBe(false);
  });

  it('puts closed services after open ones and tells when they next open', () => {
    const r = directory.search({ postcode: 'SE5 8AZ', radiusKm: 10 }, WED_EVENING).results;
    const order = r.map((x) => x.service.id);
    expect(order.indexOf('cyp')).toBeGreaterThan(order.indexOf('text'));
    const cyp = r.find((x) => x.service.id === 'cyp')!;
    expect(cyp.openState).toMatchObject({ open: false, nextOpen: '2026-11-26T09:00:00.000Z' });
    // Temporarily closed services come last, flagged, and can be left out.
    expect(order.at(-1)).toBe('therapies');
    expect(r.at(-1)!.openState.open).toBe(false);
    expect(ids({ postcode: 'SE5 8AZ', radiusKm: 10, includeTemporarilyClosed: false })).not.toContain('therapies');
  });

  it('never shows defunct services', () => {
    expect(ids({ postcode: 'SE5 0', radiusKm: 50 })).not.toContain('gone');
    expect(ids({ text: 'old kent' })).toEqual([]);
  });

  it('leaves out services beyond the radius unless it is widened', () => {
    expect(ids({ postcode: 'SE5 8AZ' })).not.toContain('manchester');
    expect(ids({ postcode: 'SE5 8AZ', radiusKm: 300 })).toContain('manchester');
  });

  it('filters by the caller’s age: a child is never offered an adult-only service', () => {
    const forChild = ids({ postcode: 'SE5 8AZ', age: 15, radiusKm: 10 }, WED_MORNING);
    expect(forChild).toContain('cyp');
    expect(forChild).not.toContain('cafe');
    expect(forChild).not.toContain('haven');
    expect(forChild).not.toContain('house');
    expect(forChild).toContain('line');
    const forAdult = ids({ postcode: 'SE5 8AZ', age: 30, radiusKm: 10 }, WED_MORNING);
    expect(forAdult).not.toContain('cyp');
    expect(forAdult).toContain('cafe');
  });

  it('filters by service type and referral route', () => {
    expect(ids({ postcode: 'SE5 8AZ', types: ['sanctuary', 'crisis_house'] })).toEqual(['sanctuary', 'house']);
    expect(ids({ postcode: 'SE5 8AZ', referralRoutes: ['crisis_line'], radiusKm: 10 })).toEqual(['house', 'cyp']);
  });

  it('matches every typed word as a prefix, across name, organisation, area and keywords', () => {
    expect(ids({ text: 'sanct' })).toEqual(['sanctuary']);
    expect(ids({ text: 'camb caf' })).toEqual(['cafe']);
    expect(ids({ text: 'CAFE' }).sort()).toEqual(['cafe', 'manchester']);
    expect(ids({ text: 'walk' })).toEqual(['cafe']);
    expect(ids({ text: 'southwark' })).toEqual(['line']);
    expect(ids({ text: 'crisis caf', postcode: 'SE5 8AZ' })).toEqual(['cafe']);
    expect(ids({ text: '""*' })).toHaveLength(9);
  });

  it('evaluates opening at a chosen instant and across midnight', () => {
    // Thursday 03:00: the sanctuary's Wednesday-night session is still running.
    const night = ids({ postcode: 'SE5 8AZ', openNow: true }, new Date('2026-11-26T03:00:00Z'));
    expect(night).toEqual(['sanctuary', 'house', 'line', 'text']);
    const r = directory.search({ postcode: 'SE5 8AZ', openAt: '2026-11-26T03:00:00Z', openNow: true }, new Date('2026-11-26T03:00:00Z'));
    expect(r.results[0]!.openState.until).toBe('2026-11-26T06:00:00.000Z');
  });

  it('closes services that close on bank holidays, naming the holiday', () => {
    // Christmas Day 2026 is a Friday: the café is normally open on Friday evenings.
    const xmas = new Date('2026-12-25T19:30:00Z');
    expect(ids({ postcode: 'SE5 8AZ', openNow: true }, xmas)).not.toContain('cafe');
    const cafe = directory.search({ postcode: 'SE5 8AZ' }, xmas).results.find((x) => x.service.id === 'cafe')!;
    expect(cafe.openState).toMatchObject({ open: false, todayIs: 'bank_holiday', bankHolidayName: 'Christmas Day', nextOpen: '2026-12-27T18:00:00.000Z' });
    // Saturday 26 December 2026 counts as a bank holiday too (see shared/lib/bank-holidays.ts).
    expect(ids({ postcode: 'SE5 8AZ', openNow: true }, new Date('2026-12-26T19:30:00Z'))).not.toContain('cafe');
  });

  it('explains a bad or unknown postcode instead of searching somewhere else', () => {
    const attempt = (postcode: string) => {
      try {
        directory.search({ postcode }, WED_EVENING);
        return null;
      } catch (e) {
        return (e as CoreError).code;
      }
    };
    expect(attempt('hello')).toBe('postcode_invalid');
    expect(attempt('ZZ9 9ZZ')).toBe('postcode_not_found');
    expect(attempt('SE5 8AZ')).toBeNull();
  });

  it('says where a postcode outside England lies, and never answers a Northern Ireland one with English services', () => {
    const scottish = directory.search({ postcode: 'DG1 1AA' }, WED_EVENING);
    expect(scottish.place).toEqual({ label: 'DG1 1AA', nations: ['scotland'] });
    // Nothing in England within 25 km of Dumfries: only the national service, marked national.
    expect(scottish.results.map((r) => [r.service.id, r.catchment])).toEqual([['text', { kind: 'national' }]]);
    expect(directory.search({ postcode: 'SY10' }, WED_EVENING).place).toEqual({ label: 'SY10', nations: ['england', 'wales'] });
    expect(directory.search({ postcode: 'SE5 8AZ' }, WED_EVENING).place).toEqual({ label: 'SE5 8AZ', nations: ['england'] });
    expect(directory.search({ text: 'crisis' }, WED_EVENING).place).toBeNull();

    const ni = directory.search({ postcode: 'bt7 1nn', text: 'crisis', openNow: true }, WED_EVENING);
    expect(ni).toMatchObject({ results: [], total: 0, origin: null, place: { label: 'BT7 1NN', nations: ['northern_ireland'] } });
    // The directory's own facts (the status bar's) are not re-read for every search.
    expect(ni).not.toHaveProperty('directory');
  });

  it('pages through results and counts them all', () => {
    const all = directory.search({ postcode: 'SE5 8AZ', radiusKm: 10 }, WED_EVENING);
    const page = directory.search({ postcode: 'SE5 8AZ', radiusKm: 10, limit: 3, offset: 3 }, WED_EVENING);
    expect(page.total).toBe(all.total);
    expect(page.results.map((r) => r.service.id)).toEqual(all.results.slice(3, 6).map((r) => r.service.id));
  });

  it('returns whole services as published', () => {
    const got = directory.get('line', WED_EVENING);
    expect(got.service).toEqual(services.find((s) => s.id === 'line'));
    expect(got.openState.open).toBe(true);
  });
});

describe('open at a chosen time, through the core', () => {
  it('judges results and a service’s details at openAt, and says when it judged them', async () => {
    const d = mkdtempSync(path.join(tmpdir(), 'crisis-desk-open-at-'));
    mkdirSync(path.join(d, 'data'));
    writeTestDirectory(path.join(d, 'data', 'directory.db'), services);
    // The desk's clock says Wednesday 10:00; the clinician asks about Thursday 03:00.
    const core = Core.open({ dataDir: path.join(d, 'data'), geoDir: GEO_DIR, deskKey: randomBytes(32), now: () => WED_MORNING });
    try {
      const now = await core.handle('directory.search', { postcode: 'SE5 8AZ', openNow: true });
      const then = await core.handle('directory.search', { postcode: 'SE5 8AZ', openNow: true, openAt: '2026-11-26T03:00:00Z' });
      if (!now.ok || !then.ok) throw new Error('search failed');
      const ids = (r: typeof then) => (r.ok ? (r.value as SearchResult).results.map((x) => x.service.id) : []);
      expect((then.value as SearchResult).evaluatedAt).toBe('2026-11-26T03:00:00.000Z');
      expect(ids(then)).toEqual(['sanctuary', 'house', 'line', 'text']);
      expect(ids(now)).toContain('cyp');
      expect(ids(now)).not.toContain('sanctuary');
      const sanctuary = await core.handle('directory.get', { id: 'sanctuary', openAt: '2026-11-26T03:00:00Z' });
      expect(sanctuary.ok && (sanctuary.value as { openState: { open: boolean; until: string } }).openState).toMatchObject({ open: true, until: '2026-11-26T06:00:00.000Z' });
      const atNow = await core.handle('directory.get', { id: 'sanctuary' });
      expect(atNow.ok && (atNow.value as { openState: { open: boolean } }).openState.open).toBe(false);
      const bad = await core.handle('directory.search', { postcode: 'SE5 8AZ', openAt: 'tonight 02:00' });
      expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    } finally {
      core.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('text query', () => {
  it('turns typed words into required prefix terms, dropping punctuation and accents', () => {
    expect(ftsQuery(searchWords('Crisis café')!)).toBe('"crisis"* "cafe"*');
    expect(ftsQuery(searchWords('"; DROP TABLE')!)).toBe('"drop"* "table"*');
    expect(searchWords('  ')).toBeNull();
  });

  it('ranks services whose name holds the words above those matched elsewhere', () => {
    // "Southwark" is only in the crisis line's coverage; "Camberwell" is in two names.
    const r = directory.search({ text: 'camberwell' }, WED_MORNING).results;
    expect(r.map((x) => x.service.id).sort()).toEqual(['cafe', 'therapies']);
    expect(directory.search({ text: 'southwark' }, WED_MORNING).results[0]!.score).toBeCloseTo(0.4);
    expect(r.every((x) => x.score === 1)).toBe(true);
  });
});

describe('postcode lookup', () => {
  const centroids = loadPostcodeCentroids(GEO_DIR);
  it('prefers the sector centroid, falls back to the district, and reports which', () => {
    expect(centroids.lookup('SE5 8AZ')).toMatchObject({ label: 'SE5 8AZ', precision: 'sector', lat: 51.46839, lon: -0.08623 });
    expect(centroids.lookup('se5')).toMatchObject({ label: 'SE5', precision: 'district', lat: 51.4739, lon: -0.09149 });
    expect(centroids.lookup('B33')).toMatchObject({ label: 'B33', precision: 'district' });
  });

  it('understands split central London districts such as W1 and SW1', () => {
    const w1 = centroids.lookup('W1');
    expect(w1.precision).toBe('district');
    expect(w1.lat).toBeGreaterThan(51.5);
    expect(w1.lat).toBeLessThan(51.53);
    expect(centroids.lookup('sw1').lon).toBeLessThan(-0.1);
  });

  it('treats sectors without located postcodes as unknown and falls back to the district', () => {
    // AB43 1 has no coordinates in Code-Point Open; AB43 does.
    expect(centroids.lookup('AB43 1')).toMatchObject({ precision: 'district', label: 'AB43' });
  });
});

describe('applying directory changes', () => {
  it('updates search in place exactly as a rebuilt index would answer', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'crisis-desk-apply-'));
    const file = path.join(d, 'directory.db');
    writeTestDirectory(file, services);
    const db = DirectoryDb.open(file, loadPostcodeCentroids(GEO_DIR), calendar);
    db.search({ postcode: 'SE5 8AZ' }, WED_EVENING); // the in-memory facts (catchments too) are loaded before the change
    const moved = { ...services.find((s) => s.id === 'haven')!, name: 'Peckham Rye Safe Haven', locations: at('haven', ...SE1_7) };
    const added = makeService({ id: 'new', name: 'Denmark Hill Crisis Café', type: 'crisis_cafe', locations: at('new', ...SE5_8) });
    // The crisis line stops covering SW9 and SE15 and starts covering SE1.
    const line = services.find((s) => s.id === 'line')!;
    const recovered = { ...line, coverage: { ...line.coverage, postcodes: ['SE1', 'SE5'], description: 'Southwark' }, organisation: { ...line.organisation, name: 'South London Lines (renamed)' } };
    const applied = db.applyChanges(
      [
        { op: 'put', version: 2, service: moved },
        { op: 'del', version: 2, id: 'sanctuary' },
        { op: 'put', version: 2, service: added },
        { op: 'put', version: 2, service: recovered },
      ],
      { cursor: 'c2', version: 2, syncedAt: '2026-11-25T20:00:00.000Z' },
    );
    expect(applied).toBe(4);
    expect(db.cursor()).toBe('c2');
    expect(db.info()).toMatchObject({ services: 10, version: '2' });
    const queries: SearchParams[] = [
      { postcode: 'SE5 8AZ', radiusKm: 10 }, { text: 'haven' }, { text: 'caf', postcode: 'SE5 8' }, { postcode: 'SE1 7', radiusKm: 1 },
      { postcode: 'SW9 8', radiusKm: 1 }, { postcode: 'SE15 5', radiusKm: 1 }, { text: 'southwark' }, { text: 'lambeth' },
    ];
    const rebuilt = path.join(d, 'rebuilt.db');
    const after = [...services.filter((s) => !['sanctuary', 'haven', 'line'].includes(s.id)), moved, added, recovered];
    writeTestDirectory(rebuilt, after);
    const fresh = DirectoryDb.open(rebuilt, loadPostcodeCentroids(GEO_DIR), calendar);
    for (const q of queries) {
      const a = db.search(q, WED_EVENING).results.map((r) => [r.service.id, r.distanceKm, r.openState.open, r.catchment]);
      const b = fresh.search(q, WED_EVENING).results.map((r) => [r.service.id, r.distanceKm, r.openState.open, r.catchment]);
      expect(a).toEqual(b);
    }
    expect(db.search({ postcode: 'SW9 8', radiusKm: 1 }, WED_EVENING).results.map((r) => r.service.id)).not.toContain('line');
    expect(db.search({ postcode: 'SE1 7', radiusKm: 1 }, WED_EVENING).results.map((r) => r.service.id)).toContain('line');
    // Every child row in step, by service id: nothing left behind by a replaced or removed service.
    for (const table of ['coverage', 'location', 'phone', 'service_fts']) {
      const key = table === 'service_fts' ? 't.rowid' : 't.service_rowid';
      const rows = (x: DirectoryDb) =>
        x.db.prepare(`SELECT s.id AS sid, t.* FROM ${table} t LEFT JOIN service s ON s.rowid = ${key}`).all().map((r) => {
          const { service_rowid: _r, rowid: _i, ...rest } = r as Record<string, unknown>;
          return JSON.stringify(rest);
        }).sort();
      expect(rows(db), table).toEqual(rows(fresh));
    }
    const organisations = (x: DirectoryDb) => x.db.prepare('SELECT * FROM organisation WHERE id IN (SELECT organisation_id FROM service) ORDER BY id').all();
    expect(organisations(db)).toEqual(organisations(fresh));
    expect(db.search({ text: 'south london lines' }, WED_EVENING).results.map((r) => r.service.id)).toEqual(['line']);
    expect(db.search({ text: 'brixton sanct' }, WED_EVENING).results).toEqual([]);
    expect(db.get('haven', WED_EVENING).service.name).toBe('Peckham Rye Safe Haven');
    db.close();
    fresh.close();
    rmSync(d, { recursive: true, force: true });
  });
});
