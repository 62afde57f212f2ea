import type { DirectoryService } from '../../../shared/domain/directory';
import type { ServerDeps } from '../app';
import { publishDirectory, type HeldPublish, type Incoming, type PublishOptions, type PublishResult } from './publish';
import { publishOverlays } from './quality/publish-overlays';
import { ensureSnapshot } from './snapshot-builds';
import type { SnapshotRecord } from './snapshots';

export type PublishDeps = Pick<ServerDeps, 'db' | 'config' | 'hints'>;

export interface Publication {
  publish: PublishResult;
  /** The trust's newest snapshot after publishing (null when none could be built). */
  snapshot: SnapshotRecord | null;
  /** Why the snapshot could not be built; desks still catch up from the changes feed. */
  snapshotError: string | null;
  timings: { publishMs: number; snapshotMs: number };
}

/** A publish touching this many rows refreshes the table's planner statistics. */
const LARGE_PUBLISH_ROWS = 1_000;

/**
 * Publishes a feed's services (publishDirectory; a staged import that would withdraw too much is
 * held instead, and nothing else happens), then makes sure the trust's newest snapshot holds
 * the published version (also when an earlier build failed and nothing changed now), then hints
 * the trust's desks to catch up.
 */
type DistributeOptions = Omit<PublishOptions, 'tombstoneDays'>;

export async function publishAndDistribute(deps: PublishDeps, trustId: string, services: readonly DirectoryService[], options: DistributeOptions): Promise<Publication>;
export async function publishAndDistribute(deps: PublishDeps, trustId: string, services: Incoming, options: DistributeOptions): Promise<Publication | HeldPublish>;
export async function publishAndDistribute(deps: PublishDeps, trustId: string, services: Incoming, options: DistributeOptions): Promise<Publication | HeldPublish> {
  const started = performance.now();
  const publish = await publishDirectory(deps.db, trustId, services, { ...options, tombstoneDays: deps.config.TOMBSTONE_DAYS });
  if ('held' in publish && publish.held) return publish;
  // Reports and corrections still waiting (a lapsed correction, a publish that failed) go out too,
  // so the snapshot below holds them. Never fails the import: they stay pending for the next publish.
  const overlays = await publishOverlays(deps, trustId).catch(() => null);
  const newest = overlays?.version ?? publish.version;
  // After a large publish PostgreSQL's statistics lag behind (autovacuum gets to it minutes later)
  // and it plans the snapshot's and the feed's page queries as full scans with on-disk sorts,
  // twenty times slower. Refreshing them costs a fraction of a second.
  if (publish.put + publish.deleted + publish.purged >= LARGE_PUBLISH_ROWS) await deps.db.query('ANALYZE directory_service');
  const published = performance.now();
  let snapshot: SnapshotRecord | null = null;
  let snapshotError: string | null = null;
  try {
    // Built once across every API node (a build another node has under way is waited for), holding
    // the reports and corrections published just above.
    snapshot = await ensureSnapshot(deps, trustId, newest);
  } catch (e) {
    snapshotError = `The snapshot could not be built (${(e as Error).message}); desks catch up from the changes feed meanwhile.`;
  }
  const timings = { publishMs: published - started, snapshotMs: performance.now() - published };
  // A hint that cannot be sent is not an error: desks also catch up on their own schedule.
  if (publish.changed) await deps.hints.notify(trustId, { kind: 'directory', version: publish.version }).catch(() => {});
  return { publish, snapshot, snapshotError, timings };
}
