import type { DirectoryService } from '../../shared/domain/directory';
import { LocalDate } from '../../shared/domain/schedule';
import { buildLocalService, buildNationalService, type BuildEnvironment } from './build-service';
import { Geography, type SectorCentroid } from './geography';
import { nationalServiceAt } from './national-services';
import { OrganisationRegistry } from './organisations';
import { Random } from './random';

export { loadEnglandSectors, type SectorCentroid } from './geography';

/** The date lastVerified ages are measured from unless told otherwise. */
export const DEFAULT_AS_OF = '2026-11-01';

export interface GenerateDirectoryOptions {
  seed: number;
  count: number;
  /** Where services may be placed (loadEnglandSectors gives England's real sector centroids). */
  sectors: readonly SectorCentroid[];
  /** YYYY-MM-DD: "today" for verification ages, closures and Christmas hours. */
  asOf?: string;
}

export function serviceId(index: number): string {
  return `svc-${String(index + 1).padStart(6, '0')}`;
}

/**
 * A synthetic, England-wide directory of crisis services. Pure and deterministic: the same options
 * give the same services. Service i depends only on the seed, i and the sectors, so a smaller
 * directory is the start of a larger one with the same seed.
 */
export function generateDirectory(opts: GenerateDirectoryOptions): DirectoryService[] {
  if (!Number.isInteger(opts.count) || opts.count < 0) throw new Error(`count must be a whole number, not ${opts.count}`);
  if (!Number.isInteger(opts.seed)) throw new Error(`seed must be a whole number, not ${opts.seed}`);
  const asOf = opts.asOf ?? DEFAULT_AS_OF;
  if (!LocalDate.safeParse(asOf).success) throw new Error(`asOf must be a date as YYYY-MM-DD, not "${asOf}"`);
  const geography = new Geography(opts.sectors);
  const env: BuildEnvironment = { geography, orgs: new OrganisationRegistry(opts.seed, geography), asOf };
  const services: DirectoryService[] = new Array(opts.count);
  for (let i = 0; i < opts.count; i++) {
    const rng = Random.stream(opts.seed, i);
    const national = nationalServiceAt(i);
    services[i] = national ? buildNationalService(serviceId(i), national, rng, env) : buildLocalService(serviceId(i), rng, env);
  }
  return services;
}
