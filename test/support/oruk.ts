import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DISTRICTS_FILE, postcodeCentroidsFromCsv, SECTORS_FILE, type PostcodeCentroids } from '../../shared/lib/postcode-centroids';
import { DEFAULT_TAXONOMY_MAPPING } from '../../server/src/import/taxonomy-mapping';
import type { ImportOptions } from '../../server/src/import/import-feed';

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
