import { DirectoryService } from '../../../shared/domain/directory';
import type { Db, Queryable } from '../db/db';
import { lapseCorrections, overlayServicesAt, recordVersion, type VersionCause } from './quality/overlay-sql';

/**
 * What to publish: services in memory (the CLI's synthetic directory, the demo, tests), or the
 * services an import staged in PostgreSQL (directory_import_service), compared in SQL so that an
 * import of any size is published in flat memory.
 */
export type Incoming = readonly DirectoryService[] | { importId: string };

export interface PublishOptions {
  /** Key of the feed the services came from. A complete import withdraws only this feed's services. */
  source: string;
  /** Whether `services` is the whole feed: only then are this feed's services missing from it withdrawn. */
  complete: boolean;
  /** Tombstones older than this many days are purged (config TOMBSTONE_DAYS). */
  tombstoneDays: number;
  /** The publish time; the clock when absent. */
  now?: Date;
  /**
   * A staged import only: publish nothing, and list what would be withdrawn, when a complete import
   * would withdraw more than this share (0–1) of the trust's published services.
   */
  holdAboveShare?: number;
  /** A staged import only: withdraw exactly the services listed when it was held (an admin confirmed them). */
  confirmedWithdrawals?: boolean;
  /** Who published it, for the list of versions (a staged import: whoever started or confirmed it). */
  by?: string | null;
}

/** A staged import that would withdraw too much was held instead of published. */
export interface HeldPublish {
  held: true;
  /** Services the import would withdraw (listed in directory_import_withdrawal). */
  withdrawals: number;
  /** The trust's published services before the import. */
  live: number;
}

export interface PublishResult {
  /** The trust's directory version after this publish (the same as before when nothing changed). */
  version: number;
  changed: boolean;
  /** Services added, changed or brought back (a `put` each). */
  put: number;
  /** Services withdrawn (a `del` each). */
  deleted: number;
  unchanged: number;
  /** Old tombstones removed; cursors at or before `purgedThrough` can no longer be continued. */
  purged: number;
  purgedThrough: number;
  held?: false;
  /** A complete staged import: the trust's published services before it. */
  trustServices?: number;
}

export class PublishError extends Error {}

/** Rows per statement when loading the new set into the database. */
const BATCH = 1000;

/**
 * Loads the services into the transaction's `incoming` table a batch at a time, validated on the
 * way (only one batch of copies is in memory at once); throws PublishError naming what is wrong.
 */
async function loadIncoming(tx: Queryable, services: readonly DirectoryService[]): Promise<number> {
  await tx.query('CREATE TEMP TABLE incoming (id text PRIMARY KEY, doc jsonb NOT NULL) ON COMMIT DROP');
  const ids = new Set<string>();
  const invalid: string[] = [];
  for (let i = 0; i < services.length; i += BATCH) {
    const batch: DirectoryService[] = [];
    for (const s of services.slice(i, i + BATCH)) {
      const parsed = DirectoryService.safeParse(s);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        invalid.push(`${String((s as { id?: unknown }).id)}: ${issue?.path.join('.')} ${issue?.message}`);
        continue;
      }
      if (ids.has(parsed.data.id)) throw new PublishError(`The service id ${parsed.data.id} occurs more than once.`);
      ids.add(parsed.data.id);
      batch.push(feedOnly(parsed.data));
    }
    if (invalid.length === 0) await tx.query("INSERT INTO incoming (id, doc) SELECT x->>'id', x FROM jsonb_array_elements($1::jsonb) AS x", [JSON.stringify(batch)]);
  }
  if (invalid.length > 0) throw new PublishError(`${invalid.length} services are not valid (${invalid.slice(0, 3).join('; ')}).`);
  await tx.query('ANALYZE incoming');
  return ids.size;
}

/** What a feed may say of a service: reports, local corrections and numbers marked not working are the trust's own. */
function feedOnly(s: DirectoryService): DirectoryService {
  const { openReports: _r, localCorrections: _c, ...rest } = s;
  return { ...rest, phones: s.phones.map(({ notWorking: _n, ...p }) => p) };
}

async function count(tx: Queryable, sql: string, params: unknown[]): Promise<number> {
  const [row] = await tx.query<{ n: number }>(sql, params);
  return row?.n ?? 0;
}

/**
 * Publishes a feed's services for a trust: compared with what is published, new and changed
 * services are `put` and, when the import is complete, this feed's services missing from it become
 * tombstones (`del`), all at the next version, in one transaction. Unchanged services keep their
 * version, so nothing changed means no new version. Tombstones older than tombstoneDays are purged.
 *
 * For a staged import, "missing" means not listed in the feed at all: a record the feed lists but
 * that was left out this time keeps its published version. What is withdrawn is recorded in
 * directory_import_withdrawal; with `holdAboveShare`, too large a withdrawal is only recorded there
 * and nothing is published (HeldPublish).
 */
export async function publishDirectory(db: Db, trustId: string, services: readonly DirectoryService[], options: PublishOptions): Promise<PublishResult>;
export async function publishDirectory(db: Db, trustId: string, services: Incoming, options: PublishOptions): Promise<PublishResult | HeldPublish>;
export async function publishDirectory(db: Db, trustId: string, services: Incoming, options: PublishOptions): Promise<PublishResult | HeldPublish> {
  const now = (options.now ?? new Date()).toISOString();
  const staged = Array.isArray(services) ? null : (services as { importId: string }).importId;
  return db.transaction(async (tx) => {
    if ((await tx.query('SELECT 1 FROM trust WHERE id = $1', [trustId])).length === 0) throw new PublishError(`There is no trust ${trustId}.`);
    await tx.query('INSERT INTO directory_state (trust_id) VALUES ($1) ON CONFLICT DO NOTHING', [trustId]);
    // Locks the trust's directory: publishes of one trust take turns, so versions commit in order.
    const [state] = await tx.query<{ version: number }>('SELECT version FROM directory_state WHERE trust_id = $1 FOR UPDATE', [trustId]);
    const next = state!.version + 1;

    let incomingCount: number;
    if (staged === null) incomingCount = await loadIncoming(tx, services as readonly DirectoryService[]);
    else incomingCount = await count(tx, 'SELECT count(*)::int AS n FROM directory_import_service WHERE import_id = $1', [staged]);
    /** The new set, with the import's id (when staged) at parameter `p`. */
    const incoming = (p: string) => (staged === null ? 'incoming' : `(SELECT id, doc FROM directory_import_service WHERE import_id = ${p})`);
    /** This feed's published service d is withdrawn by the import (its id at parameter `p` when staged). */
    const missing = (p: string) =>
      staged === null
        ? 'NOT EXISTS (SELECT 1 FROM incoming i WHERE i.id = d.id)'
        : options.confirmedWithdrawals
          ? `EXISTS (SELECT 1 FROM directory_import_withdrawal w WHERE w.import_id = ${p} AND w.service_id = d.id)`
          : `NOT EXISTS (SELECT 1 FROM directory_import_record r WHERE r.import_id = ${p} AND r.service_id = d.id)`;
    const stagedParam = staged === null ? [] : [staged];
    const listWithdrawals = () =>
      tx.query(
        `INSERT INTO directory_import_withdrawal (import_id, service_id, name)
         SELECT $3, d.id, d.doc->>'name' FROM directory_service d WHERE d.trust_id = $1 AND NOT d.deleted AND d.source = $2 AND ${missing('$3')}`,
        [trustId, options.source, staged],
      );

    let trustServices: number | undefined;
    if (staged !== null && options.complete) {
      const [sizes] = await tx.query<{ live: number; gone: number }>(
        `SELECT count(*)::int AS live, count(*) FILTER (WHERE d.source = $2 AND ${missing('$3')})::int AS gone
         FROM directory_service d WHERE d.trust_id = $1 AND NOT d.deleted`,
        [trustId, options.source, staged],
      );
      trustServices = sizes!.live;
      if (options.holdAboveShare !== undefined && !options.confirmedWithdrawals && sizes!.gone > options.holdAboveShare * sizes!.live) {
        await listWithdrawals();
        return { held: true, withdrawals: sizes!.gone, live: sizes!.live } satisfies HeldPublish;
      }
    }

    // Corrections past their last day lapse before anything is published on top of them.
    await lapseCorrections(tx, trustId, new Date(now));

    // Only new, changed or withdrawn services are written: unchanged rows are not even locked. A
    // service is compared with what its feed said last time (feed_doc, when the published document
    // carries the trust's corrections or open reports), so a re-import that changes nothing writes
    // nothing. Every service written is listed with the version (the CTEs all read the table as it
    // was before this statement, so `old` is the previous state).
    const [putCounts] = await tx.query<{ n: number; added: number }>(
      `WITH up AS (
        INSERT INTO directory_service AS d (trust_id, id, version, deleted, doc, feed_doc, source, updated_at)
        SELECT $1, i.id, $2, false, i.doc, NULL, $3, $4 FROM ${incoming('$5')} i
        LEFT JOIN directory_service old ON old.trust_id = $1 AND old.id = i.id
        WHERE old.id IS NULL OR old.deleted OR coalesce(old.feed_doc, old.doc) IS DISTINCT FROM i.doc OR old.source <> $3
        ON CONFLICT (trust_id, id) DO UPDATE SET version = excluded.version, deleted = false, doc = excluded.doc, feed_doc = NULL, source = excluded.source, updated_at = excluded.updated_at
        RETURNING d.id, d.doc->>'name' AS name),
      log AS (
        INSERT INTO directory_version_change (trust_id, version, service_id, name, change)
        SELECT $1, $2, up.id, up.name, CASE WHEN old.id IS NULL OR old.deleted THEN 'added' ELSE 'changed' END
        FROM up LEFT JOIN directory_service old ON old.trust_id = $1 AND old.id = up.id
        RETURNING change)
      SELECT count(*)::int AS n, (count(*) FILTER (WHERE change = 'added'))::int AS added FROM log`,
      [trustId, next, options.source, now, ...stagedParam],
    );
    const put = putCounts?.n ?? 0;
    // The trust's corrections and open reports go back on top of every service the feed changed.
    if (put > 0) await overlayServicesAt(tx, trustId, next);
    let deleted = 0;
    if (options.complete) {
      // The list of what is withdrawn is kept with the import's report (a confirmed one has it already).
      if (staged !== null && !options.confirmedWithdrawals) await listWithdrawals();
      deleted = await count(
        tx,
        `WITH gone AS (
          UPDATE directory_service d SET deleted = true, doc = NULL, feed_doc = NULL, version = $2, updated_at = $4
          WHERE d.trust_id = $1 AND d.source = $3 AND NOT d.deleted AND ${missing('$5')}
          RETURNING d.id),
        log AS (
          INSERT INTO directory_version_change (trust_id, version, service_id, name, change)
          SELECT $1, $2, gone.id, old.doc->>'name', 'withdrawn' FROM gone JOIN directory_service old ON old.trust_id = $1 AND old.id = gone.id
          RETURNING 1)
        SELECT count(*)::int AS n FROM log`,
        [trustId, next, options.source, now, ...stagedParam],
      );
    }
    const changed = put + deleted > 0;
    if (changed) {
      await tx.query('UPDATE directory_state SET version = $2, published_at = $3 WHERE trust_id = $1', [trustId, next, now]);
      const cause: VersionCause = staged === null ? 'publish' : 'import';
      const added = putCounts?.added ?? 0;
      await recordVersion(tx, {
        trustId, version: next, publishedAt: now, cause, importId: staged, source: options.source, by: options.by ?? null,
        added, changed: put - added, withdrawn: deleted,
        summary: `${cause === 'import' ? 'Import' : 'Publish'} of ${options.source}${options.complete ? '' : ' (part of the feed: nothing withdrawn)'}: ${added} added, ${put - added} changed, ${deleted} withdrawn.`,
      });
    }

    // What old versions changed is kept as long as their tombstones.
    await tx.query(
      `DELETE FROM directory_version_change c USING directory_version v
       WHERE v.trust_id = $1 AND c.trust_id = v.trust_id AND c.version = v.version AND v.published_at < $2::timestamptz - make_interval(days => $3)`,
      [trustId, now, options.tombstoneDays],
    );
    const [purge] = await tx.query<{ n: number; through: number | null }>(
      `WITH gone AS (
        DELETE FROM directory_service WHERE trust_id = $1 AND deleted AND updated_at < $2::timestamptz - make_interval(days => $3)
        RETURNING version)
      SELECT count(*)::int AS n, max(version) AS through FROM gone`,
      [trustId, now, options.tombstoneDays],
    );
    const [after] = await tx.query<{ purged_through: number }>(
      'UPDATE directory_state SET purged_through = greatest(purged_through, $2) WHERE trust_id = $1 RETURNING purged_through',
      [trustId, purge?.through ?? 0],
    );
    return {
      version: changed ? next : state!.version,
      changed,
      put,
      deleted,
      unchanged: incomingCount - put,
      purged: purge?.n ?? 0,
      purgedThrough: after!.purged_through,
      ...(trustServices !== undefined ? { trustServices } : {}),
    };
  });
}
