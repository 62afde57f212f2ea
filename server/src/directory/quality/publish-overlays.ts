import type { FastifyBaseLogger } from 'fastify';
import type { Mutation, PushResponse } from '../../../../shared/sync/protocol';
import type { ServerDeps } from '../../app';
import type { Queryable } from '../../db/db';
import { publishPendingOverlays, type OverlayPublish } from './overlay-sql';

export type OverlayDeps = Pick<ServerDeps, 'db' | 'hints'>;

/**
 * Publishes the trust's pending services (reports and corrections changed since their document was
 * published) as one new directory version, and hints the trust's desks to catch up. Safe to call
 * at any time and from any API node: the state lock makes concurrent calls take turns, and a call
 * that finds nothing pending does nothing.
 */
export async function publishOverlays(deps: OverlayDeps, trustId: string, now: Date = new Date()): Promise<OverlayPublish | null> {
  const published = await deps.db.transaction((tx) => publishPendingOverlays(tx, trustId, now));
  // A hint that cannot be sent is not an error: desks also catch up on their own schedule.
  if (published) await deps.hints.notify(trustId, { kind: 'directory', version: published.version }).catch(() => {});
  return published;
}

/** Trusts with pending services or corrections past their last day: what the periodic sweep publishes. */
export async function trustsNeedingOverlays(db: Queryable, today: string): Promise<string[]> {
  const rows = await db.query<{ trust_id: string }>(
    `SELECT trust_id FROM directory_overlay_pending
     UNION SELECT trust_id FROM directory_correction WHERE removed_at IS NULL AND last_day < $1::date`,
    [today],
  );
  return rows.map((r) => r.trust_id);
}

/**
 * After a push: the batch's reports are published at once (so the reporting desk's next catch-up
 * already carries them to every desk), and each report's answer says the directory version that
 * carries it (serverRevision), so the desk knows when its own copy may give way to the published
 * one. A publish that fails leaves the reports pending for the next one; their answers then say
 * nothing of a version.
 */
export async function answerReports(deps: OverlayDeps, trustId: string, mutations: readonly Mutation[], response: PushResponse, newReports: boolean, log: FastifyBaseLogger): Promise<void> {
  const ids = new Set(mutations.flatMap((m) => (m.payload.kind === 'report' ? [m.recordId] : [])));
  if (ids.size === 0) return;
  if (newReports) {
    await publishOverlays(deps, trustId).catch((e: Error) => log.warn({ err: { type: e.name } }, 'could not publish reported services; they stay pending'));
  }
  const rows = await deps.db.query<{ id: string; published_version: number | null }>(
    'SELECT id, published_version FROM directory_report WHERE trust_id = $1 AND id = ANY($2::uuid[])',
    [trustId, [...ids]],
  );
  const versions = new Map(rows.map((r) => [r.id, r.published_version]));
  const recordOf = new Map(mutations.map((m) => [m.mutationId, m.recordId]));
  for (const r of response.results) {
    const id = recordOf.get(r.mutationId);
    if (!id || !ids.has(id)) continue;
    const applied = r.status === 'applied' || (r.status === 'duplicate' && r.original === 'applied');
    if (applied) r.serverRevision = versions.get(id) ?? null;
  }
}
