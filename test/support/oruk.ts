import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { DirectoryService } from '../../shared/domain/directory';
import { DISTRICTS_FILE, postcodeCentroidsFromCsv, SECTORS_FILE, type PostcodeCentroids } from '../../shared/lib/postcode-centroids';
import { DEFAULT_TAXONOMY_MAPPING } from '../../server/src/import/taxonomy-mapping';
import type { ImportOptions, ImportResult } from '../../server/src/import/import-feed';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** test/fixtures/oruk: copies of the published ORUK/HSDS examples (see its README). */
export const ORUK_FIXTURES = path.join(repoRoot, 'test/fixtures/oruk');

export const orukFixture = (...parts: string[]) => path.join(ORUK_FIXTURES, ...parts);
export const readOrukJson = (...parts: string[]): unknown => JSON.parse(readFileSync(orukFixture(...parts), 'utf8'));

let centroids: PostcodeCentroids | null = null;

/** The real postcode centroid tables from data/geo, loaded once per test file. */
export function geoCentroids(): PostcodeCentroids {
  centroids ??= postcodeCentroidsFromCsv(
    readFileSync(path.join(repoRoot, 'data/geo', SECTORS_FILE), 'utf8'),
    readFileSync(path.join(repoRoot, 'data/geo', DISTRICTS_FILE), 'utf8'),
  );
  return centroids;
}

/** Import options for tests: the default mapping, real centroids and a fixed import date. */
export function importOptions(overrides: Partial<ImportOptions> = {}): ImportOptions {
  return { source: 'test', mapping: DEFAULT_TAXONOMY_MAPPING, centroids: geoCentroids(), asOf: '2026-11-02', ...overrides };
}

/**
 * What every import must be, whatever the feed: each published service valid, every record read
 * accounted for exactly once with an outcome its defects agree with, the counts adding up, each
 * duplicate pointing at an earlier copy with the same id, no importer fault.
 */
export function expectSoundImport(r: ImportResult): void {
  for (const s of r.services) expect(() => DirectoryService.parse(s)).not.toThrow();
  const c = r.counts;
  expect(c.records).toBe(c.imported + c.repaired + c.leftOut + c.duplicates);
  expect(c.records).toBe(r.records.length);
  expect(r.services).toHaveLength(c.imported + c.repaired);
  expect(new Set(r.services.map((s) => s.id)).size).toBe(r.services.length);
  r.records.forEach((rec, i) => {
    expect(rec.seq).toBe(i + 1);
    const severities = new Set(rec.defects.map((d) => d.severity));
    if (rec.outcome === 'imported') expect([...severities].filter((s) => s !== 'warning')).toEqual([]);
    if (rec.outcome === 'repaired') expect(severities.has('repaired') && !severities.has('left_out')).toBe(true);
    if (rec.outcome === 'left_out' || rec.outcome === 'duplicate') expect(severities.has('left_out'), `${rec.place} left out without a reason`).toBe(true);
    expect(rec.service !== null).toBe(rec.outcome === 'imported' || rec.outcome === 'repaired');
    if (rec.outcome === 'duplicate') {
      expect(rec.firstCopy!.seq).toBeLessThan(rec.seq);
      expect(r.records[rec.firstCopy!.seq - 1]!.feedId).toBe(rec.feedId);
    } else expect(rec.firstCopy).toBeNull();
    for (const d of rec.defects) {
      expect(d.reason.length).toBeGreaterThan(10);
      expect(d.reason).not.toMatch(/importer fault|\[object Object\]|undefined/);
    }
  });
  for (const p of r.problems) expect(p.reason.length).toBeGreaterThan(10);
  expect(r.complete).toBe(!r.problems.some((p) => p.partial));
}

/** Every defect of every record, as `place severity field: reason` lines, for asserting a report line by line. */
export function reportLines(r: Pick<ImportResult, 'records'>): string[] {
  return r.records.flatMap((rec) => rec.defects.map((d) => `${rec.place} ${d.severity} ${d.field ?? '-'}: ${d.reason}`));
}
