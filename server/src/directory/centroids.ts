import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DISTRICTS_FILE, postcodeCentroidsFromCsv, SECTORS_FILE, type PostcodeCentroids } from '../../../shared/lib/postcode-centroids';

/** The postcode centroid tables the importer places services with (data/geo, shipped with the desk too). */
export const GEO_DIR = path.resolve(import.meta.dirname, '../../../data/geo');

let loading: Promise<PostcodeCentroids> | null = null;

/** Loaded once per process, on first use. */
export function postcodeCentroids(): Promise<PostcodeCentroids> {
  loading ??= Promise.all([readFile(path.join(GEO_DIR, SECTORS_FILE), 'utf8'), readFile(path.join(GEO_DIR, DISTRICTS_FILE), 'utf8')])
    .then(([sectors, districts]) => postcodeCentroidsFromCsv(sectors, districts))
    .catch((e: unknown) => {
      loading = null;
      throw e;
    });
  return loading;
}
