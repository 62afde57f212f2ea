import type { RouteModule } from '../app';
import { registerReferenceRoutes } from '../reference/bank-holidays-route';
import { registerDirectoryAdminRoutes } from './admin-routes';
import type { ImportContext } from './imports';
import { createQualityRoutes } from './quality/quality-routes';
import { registerDirectorySyncRoutes } from './sync-routes';

/**
 * Directory publishing: manifest, snapshots and changes for desks; imports, the taxonomy mapping
 * and the quality loop (reports, corrections, versions) for admins; the bank holiday list desks
 * refresh their own from.
 */
export function createDirectoryRoutes(imports: ImportContext = {}): RouteModule {
  const quality = createQualityRoutes();
  return async (app, deps) => {
    registerDirectorySyncRoutes(app, deps);
    registerDirectoryAdminRoutes(app, deps, imports);
    await quality(app, deps);
    registerReferenceRoutes(app, deps);
  };
}

export const directoryRoutes: RouteModule = createDirectoryRoutes();

export { publishAndDistribute, type Publication, type PublishDeps } from './publisher';
export { publishDirectory, PublishError, type PublishOptions, type PublishResult } from './publish';
export { buildSnapshot, latestSnapshot, type SnapshotRecord } from './snapshots';
export { ensureSnapshot, snapshotUpkeep } from './snapshot-builds';
export { decideImport, runImport, startImport, type ImportContext, type ImportInput } from './imports';
export { ImportJob, ImportRequest } from './import-report';
