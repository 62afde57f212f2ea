import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DISTRICTS_FILE, postcodeCentroidsFromCsv, SECTORS_FILE, type PostcodeCentroids } from '../../../shared/lib/postcode-centroids';

/** Loads the centroid tables shipped in data/geo. */
export function loadPostcodeCentroids(geoDir: string): PostcodeCentroids {
  return postcodeCentroidsFromCsv(readFileSync(path.join(geoDir, SECTORS_FILE), 'utf8'), readFileSync(path.join(geoDir, DISTRICTS_FILE), 'utf8'));
}
