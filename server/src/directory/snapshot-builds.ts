import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RouteModule, ServerDeps } from '../app';
import type { Db } from '../db/db';
import { sweepCache } from '../artefacts/serve';
import { buildSnapshot, latestSnapshot, storeLegacySnapshots, type SnapshotRecord } from './snapshots';

/*
 * One snapshot builder per trust across every API node. Whoever needs the trust's snapshot to
 * hold a version (the node that published it, or any node finding it missing) claims the trust's
 * row in directory_snapshot_build; the others wait for the snapshot to be recorded, and serve it
 * from then on. The builder beats a heartbeat on its claim: a claim whose node died goes stale
 * after STALE_SECONDS and the next node to look takes it over. Each node also looks every
 * UPKEEP_MS for a trust whose newest published version has no snapshot (a build that failed, or
 * whose node died with nobody waiting), so a new desk is never left paging for long.
 */

/** The builder refreshes its claim this often. */
export const BUILD_HEARTBEAT_MS = 5_000;
/** A claim not refreshed for this long belonged to a node that stopped. */
export const BUILD_STALE_SECONDS = 30;
/** How often a node waiting for another's build looks again. */
const WAIT_POLL_MS = 250;

export interface SnapshotDeps {
  db: Db;
  config: { DATA_DIR: string; nodeName?: string };
}

interface Claim {
  trustId: string;
  claim: string;
}

/** Claims the trust's build unless a live claim holds it; null when another node is building. */
async function claimBuild(db: Db, trustId: string, version: number, node: string): Promise<Claim | null> {
  const claim = randomUUID();
  const rows = await db.query<{ claim: string }>(
    `INSERT INTO directory_snapshot_build (trust_id, claim, node, version) VALUES ($1, $2, $3, $4)
     ON CONFLICT (trust_id) DO UPDATE SET claim = excluded.claim, node = excluded.node, version = excluded.version, started_at = now(), heartbeat_at = now()
       WHERE directory_snapshot_build.heartbeat_at < now() - make_interval(secs => $5)
     RETURNING claim`,
    [trustId, claim, node, version, BUILD_STALE_SECONDS],
  );
  return rows[0]?.claim === claim ? { trustId, claim } : null;
}

/**
 * Makes sure the trust has a snapshot of `version` or later, building it here when no node is
 * building it, and otherwise waiting until the node that is records it (or dies, when this one
 * takes over). Returns the trust's newest snapshot; null when the trust has published nothing.
 * Throws when the build here fails.
 */
export async function ensureSnapshot(deps: SnapshotDeps, trustId: string, version: number, options: { signal?: AbortSignal } = {}): Promise<SnapshotRecord | null> {
  const { db } = deps;
  const node = deps.config.nodeName ?? 'unnamed';
  for (;;) {
    options.signal?.throwIfAborted();
    const latest = await latestSnapshot(db, trustId);
    if (latest && latest.version >= version) return latest;
    const claim = await claimBuild(db, trustId, version, node);
    if (!claim) {
      await sleep(WAIT_POLL_MS, undefined, { signal: options.signal });
      continue;
    }
    const heartbeat = setInterval(
      () => void db.query('UPDATE directory_snapshot_build SET heartbeat_at = now() WHERE trust_id = $1 AND claim = $2', [trustId, claim.claim]).catch(() => {}),
      BUILD_HEARTBEAT_MS,
    );
    try {
      return (await buildSnapshot(db, trustId, deps.config.DATA_DIR, options)) ?? latest;
    } finally {
      clearInterval(heartbeat);
      await db.query('DELETE FROM directory_snapshot_build WHERE trust_id = $1 AND claim = $2', [trustId, claim.claim]).catch(() => {});
    }
  }
}

/** Trusts whose newest published version has no snapshot any node can serve, and nobody building one. */
export async function trustsMissingSnapshots(db: Db): Promise<{ trustId: string; version: number }[]> {
  const rows = await db.query<{ trust_id: string; version: number }>(
    `SELECT s.trust_id, s.version FROM directory_state s
     WHERE s.version > 0 AND s.published_at IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM directory_snapshot d JOIN artefact a ON a.sha256 = d.sha256
                       WHERE d.trust_id = s.trust_id AND d.version >= s.version AND d.pruned_at IS NULL)
       AND NOT EXISTS (SELECT 1 FROM directory_snapshot_build b
                       WHERE b.trust_id = s.trust_id AND b.heartbeat_at >= now() - make_interval(secs => $1))
     ORDER BY s.trust_id`,
    [BUILD_STALE_SECONDS],
  );
  return rows.map((r) => ({ trustId: r.trust_id, version: r.version }));
}

/** How often each node looks for missing snapshots, and how long it leaves a trust whose build failed here. */
export const UPKEEP_MS = 60_000;
const RETRY_FAILED_MS = 10 * 60_000;
/** How often each node sweeps its artefact cache of files the database no longer holds. */
const SWEEP_MS = 3600_000;

export interface SnapshotUpkeepOptions {
  upkeepMs?: number;
  log?: { warn(details: object, message: string): void; info(details: object, message: string): void };
}

/**
 * Each node's share of keeping snapshots whole: at start, snapshots this node still has as files
 * from before they moved into PostgreSQL are stored there; then, every `upkeepMs`, the newest
 * snapshot of any trust that lacks one is built (once, by whichever node claims it), and every hour
 * this node's artefact cache is swept. Stops on close, abandoning a build under way (its claim goes
 * stale and another node takes it over).
 */
export function createSnapshotUpkeep(options: SnapshotUpkeepOptions = {}): RouteModule {
  return (app, deps: ServerDeps) => {
    const log = options.log ?? app.log;
    const controller = new AbortController();
    const failedAt = new Map<string, number>();
    let running: Promise<void> = Promise.resolve();
    let lastSweep = 0;

    const pass = async () => {
      if (controller.signal.aborted) return;
      for (const { trustId, version } of await trustsMissingSnapshots(deps.db)) {
        if (controller.signal.aborted) return;
        if (Date.now() - (failedAt.get(trustId) ?? -Infinity) < RETRY_FAILED_MS) continue;
        try {
          const built = await ensureSnapshot(deps, trustId, version, { signal: controller.signal });
          failedAt.delete(trustId);
          if (built) log.info({ trustId, version: built.version }, 'directory snapshot in place');
        } catch (e) {
          if (controller.signal.aborted) return;
          failedAt.set(trustId, Date.now());
          log.warn({ trustId, err: { type: (e as Error).name } }, 'could not build the directory snapshot; desks page the changes feed meanwhile');
        }
      }
      if (Date.now() - lastSweep >= SWEEP_MS) {
        lastSweep = Date.now();
        const removed = await sweepCache(deps.db, deps.config.DATA_DIR);
        if (removed > 0) log.info({ removed }, 'artefact cache swept');
      }
    };
    const tick = () => {
      running = running.then(pass).catch((e: Error) => log.warn({ err: { type: e.name } }, 'snapshot upkeep failed; trying again later'));
    };

    app.addHook('onReady', async () => {
      running = storeLegacySnapshots(deps.db, deps.config.DATA_DIR)
        .then((stored) => void (stored > 0 && log.info({ stored }, 'directory snapshots from DATA_DIR/snapshots stored in the database')))
        .catch((e: Error) => log.warn({ err: { type: e.name } }, 'could not store the snapshots left in DATA_DIR/snapshots'));
      tick();
    });
    const timer = setInterval(tick, options.upkeepMs ?? UPKEEP_MS);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      controller.abort(new Error('the server is stopping'));
      await running;
    });
  };
}

export const snapshotUpkeep: RouteModule = createSnapshotUpkeep();
