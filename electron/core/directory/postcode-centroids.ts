import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SearchOrigin } from '../../../shared/contract';
import { DISTRICTS_FILE, postcodeCentroidsFromCsv, SECTORS_FILE, type LocatedPostcode, type PostcodeCentroids, type PostcodeLookup } from '../../../shared/lib/postcode-centroids';

/** Loads the centroid tables shipped in data/geo. */
export function loadPostcodeCentroids(geoDir: string): PostcodeCentroids {
  return postcodeCentroidsFromCsv(readFileSync(path.join(geoDir, SECTORS_FILE), 'utf8'), readFileSync(path.join(geoDir, DISTRICTS_FILE), 'utf8'));
}

/**
 * The centroid tables, read the first time a postcode is looked up (or when warmed). Parsing them
 * takes some 70 ms, a tenth of the desk's start, and searches by text need none of it.
 */
export class LazyPostcodeCentroids implements PostcodeLookup {
  private loaded: PostcodeCentroids | null = null;

  constructor(private readonly geoDir: string) {}

  private get centroids(): PostcodeCentroids {
    return (this.loaded ??= loadPostcodeCentroids(this.geoDir));
  }

  lookup(input: string): SearchOrigin {
    return this.centroids.lookup(input);
  }

  locate(input: string): LocatedPostcode {
    return this.centroids.locate(input);
  }

  /** Reads the tables now, so that the first postcode typed does not wait for them. */
  warm(): void {
    void this.centroids;
  }
}
