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
 * What every import must be, whatever the feed: each published service valid, the counts adding
 * up, each skipped record explained, no record both published and skipped, no importer fault.
 */
export function expectSoundImport(r: ImportResult, source = 'test'): void {
  for (const s of r.services) expect(() => DirectoryService.parse(s)).not.toThrow();
  expect(r.stats.read).toBe(r.stats.imported + r.stats.skipped);
  expect(r.stats.imported).toBe(r.services.length);
  expect(new Set(r.services.map((s) => s.id)).size).toBe(r.services.length);
  for (const d of r.defects) {
    expect(d.source).toBe(source);
    expect(d.reason.length).toBeGreaterThan(10);
    expect(d.reason).not.toMatch(/importer fault|\[object Object\]/);
  }
  const skippedRecords = r.defects.filter((d) => d.severity === 'skipped' && d.recordId !== null);
  expect(r.defects.filter((d) => d.severity === 'skipped').length).toBeGreaterThanOrEqual(r.stats.skipped);
  const published = new Set(r.services.map((s) => s.id.slice(source.length + 1)));
  for (const d of skippedRecords) {
    // The one exception: a later duplicate of a published record.
    if (d.field === 'id' && d.reason.includes('same id')) continue;
    expect(published.has(d.recordId!), `${d.recordId} both skipped and published`).toBe(false);
  }
}
