import Database from 'better-sqlite3-multiple-ciphers';
import type { DirectoryService } from '../../shared/domain/directory';
import { buildDirectorySnapshot } from '../../shared/directory/snapshot';

type ServicePatch = Partial<Omit<DirectoryService, 'organisation'>> & Pick<DirectoryService, 'id' | 'name' | 'type'>;

/** A complete, valid service with plain defaults, for hand-built test directories. */
export function makeService(p: ServicePatch): DirectoryService {
  return {
    organisation: { id: `org-${p.id}`, name: `${p.name} Trust` },
    description: undefined,
    status: 'active',
    ageMin: null,
    ageMax: null,
    referral: { routes: ['self'], how: 'Phone or walk in.' },
    phones: [{ number: '020 7946 0000', type: 'public' }],
    locations: [],
    coverage: { national: false, postcodes: [] },
    schedule: { alwaysOpen: true, weekly: [], bankHolidays: 'as_usual', exceptions: [] },
    keywords: [],
    lastVerified: '2026-10-01',
    ...p,
  } as DirectoryService;
}

/** A site at the given position (tests use real sector centroids so postcode search finds them). */
export function at(id: string, lat: number, lon: number, postcode?: string) {
  return [{ id: `loc-${id}`, lat, lon, ...(postcode ? { postcode } : {}) }];
}

/** Writes a directory.db in the shared schema holding exactly these services. */
export function writeTestDirectory(file: string, services: DirectoryService[], version = '1'): void {
  const db = new Database(file);
  buildDirectorySnapshot(db, services, { version, publishedAt: '2026-11-01T00:00:00.000Z' });
  db.close();
}
