import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rm, rmdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Db, Queryable } from '../db/db';
import { artefactCacheDir, placeInCache } from '../artefacts/serve';
import { deleteUnnamedArtefacts, findArtefact, putArtefact, type ArtefactRecord } from '../artefacts/store';
import { SNAPSHOT_ENCODING, type SnapshotEncoding } from '../../../shared/sync/protocol';
import { DIRECTORY_TAG_SQL, encodeCursor } from './cursor';
import type { SnapshotBuilt, SnapshotJob } from './snapshot-worker';

/*
 * Directory snapshots: the immutable SQLite file a new desk downloads, built from the trust's
 * published services and stored in the artefact store (PostgreSQL, sha256-named), so that every API
 * node serves the same bytes whichever built them. A snapshot row is written in the transaction
 * that records its artefact: a node finds a snapshot only once all of its bytes are in.
 * One builder per trust at a time across the nodes: snapshot-builds.ts.
 */

/** Snapshots kept per trust: desks that read an older manifest can still finish their download. */
export const KEEP_SNAPSHOTS = 3;
/** A pruned snapshot stays downloadable this long (a download under way finishes, or resumes on another node). */
export const PRUNED_GRACE_MINUTES = 60;
export const SNAPSHOT_CONTENT_TYPE = 'application/vnd.sqlite3';
/** What a compressed snapshot is stored and served as. */
export const ENCODED_SNAPSHOT_CONTENT_TYPE = 'application/zstd';
/** Far above any directory (100,000 services make 147 MiB); a guard against a runaway build, not a policy. */
const MAX_SNAPSHOT_BYTES = 8 * 1024 ** 3;

export interface SnapshotRecord {
  /** The stored artefact's: what travels (compressed, unless encoding is null). */
  sha256: string;
  bytes: number;
  /** 'zstd': stored compressed; null: stored as the SQLite file itself (built before compression). */
  encoding: SnapshotEncoding | null;
  /** The SQLite file a desk installs (the same as sha256 and bytes when encoding is null). */
  installed: { sha256: string; bytes: number };
  trustId: string;
  version: number;
  services: number;
  publishedAt: string;
}

/** Where snapshots were kept before they moved into PostgreSQL (read once, to store what a node still has). */
export const legacySnapshotDir = (dataDir: string) => path.join(dataDir, 'snapshots');

// Only snapshots whose bytes are in the artefact store: rows recorded before snapshots moved there
// have none until a node that still has the file stores it.
const SELECT_SNAPSHOT = `SELECT d.sha256, d.trust_id, d.version, d.bytes, d.services, coalesce(d.published_at, d.built_at) AS published_at,
    d.encoding, d.installed_sha256, d.installed_bytes
  FROM directory_snapshot d JOIN artefact a ON a.sha256 = d.sha256`;

interface SnapshotRow {
  sha256: string;
  trust_id: string;
  version: number;
  bytes: number;
  services: number;
  published_at: Date;
  encoding: SnapshotEncoding | null;
  installed_sha256: string | null;
  installed_bytes: number | null;
}

const recordOf = (r: SnapshotRow): SnapshotRecord => ({
  sha256: r.sha256,
  bytes: Number(r.bytes),
  encoding: r.encoding,
  installed: r.encoding === null ? { sha256: r.sha256, bytes: Number(r.bytes) } : { sha256: r.installed_sha256!, bytes: Number(r.installed_bytes) },
  trustId: r.trust_id,
  version: Number(r.version),
  services: r.services,
  publishedAt: new Date(r.published_at).toISOString(),
});

/** The trust's newest snapshot that any node can serve. */
export async function latestSnapshot(db: Queryable, trustId: string): Promise<SnapshotRecord | null> {
  const [row] = await db.query<SnapshotRow>(`${SELECT_SNAPSHOT} WHERE d.trust_id = $1 AND d.pruned_at IS NULL ORDER BY d.version DESC, d.built_at DESC LIMIT 1`, [trustId]);
  return row ? recordOf(row) : null;
}

/**
 * The trust's snapshot with this hash, with its artefact; null for an unknown hash, another
 * trust's snapshot or one pruned more than PRUNED_GRACE_MINUTES ago. The hash is the stored
 * artefact's or, for a compressed snapshot, the installed file's: `decoded` says the caller asked
 * for the SQLite file itself (a desk of a version before compression).
 */
export async function findSnapshot(db: Queryable, trustId: string, sha256: string): Promise<{ snapshot: SnapshotRecord; artefact: ArtefactRecord; decoded: boolean } | null> {
  const [row] = await db.query<SnapshotRow>(
    `${SELECT_SNAPSHOT} WHERE (d.sha256 = $1 OR d.installed_sha256 = $1) AND d.trust_id = $2 AND (d.pruned_at IS NULL OR d.pruned_at > now() - make_interval(mins => $3))
     ORDER BY d.sha256 = $1 DESC LIMIT 1`,
    [sha256, trustId, PRUNED_GRACE_MINUTES],
  );
  if (!row) return null;
  const artefact = await findArtefact(db, row.sha256);
  return artefact && { snapshot: recordOf(row), artefact, decoded: row.sha256 !== sha256 };
}

/** The cursor a desk holding the snapshot of `version` continues the changes feed from. */
export async function snapshotCursor(db: Queryable, trustId: string, version: number): Promise<string> {
  const [row] = await db.query<{ directory: string }>(`SELECT ${DIRECTORY_TAG_SQL} AS directory FROM trust t WHERE t.id = $1`, [trustId]);
  return encodeCursor({ directory: row!.directory, version, afterId: null, floor: version });
}

const STAGING_PAGE = 2000;

/**
 * Writes the trust's published services (one JSON per line, id order) to `file`, reading one
 * consistent state of the database; returns the version and publish time that state is of.
 */
async function stageServices(db: Db, trustId: string, file: string): Promise<{ version: number; publishedAt: string; directory: string } | null> {
  return db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const [state] = await tx.query<{ version: number; published_at: Date | null; directory: string }>(
      `SELECT s.version, s.published_at, ${DIRECTORY_TAG_SQL} AS directory FROM directory_state s JOIN trust t ON t.id = s.trust_id WHERE s.trust_id = $1`,
      [trustId],
    );
    if (!state || state.version === 0 || !state.published_at) return null;
    const out = await open(file, 'w');
    try {
      let after = '';
      for (;;) {
        const rows = await tx.query<{ id: string; doc: string }>(
          'SELECT id, doc::text AS doc FROM directory_service WHERE trust_id = $1 AND NOT deleted AND id > $2 ORDER BY id LIMIT $3',
          [trustId, after, STAGING_PAGE],
        );
        if (rows.length === 0) break;
        await out.write(rows.map((r) => `${r.doc}\n`).join(''));
        after = rows.at(-1)!.id;
      }
    } finally {
      await out.close();
    }
    return { version: state.version, publishedAt: new Date(state.published_at).toISOString(), directory: state.directory };
  });
}

/** Builds the file in a worker thread; aborting the signal stops the worker. */
function runWorker(job: SnapshotJob, signal?: AbortSignal): Promise<SnapshotBuilt> {
  const here = import.meta.url;
  const isTypeScript = here.endsWith('.ts');
  const file = new URL(`./snapshot-worker.${isTypeScript ? 'ts' : 'js'}`, here);
  // Running from TypeScript sources (tsx, vitest): the worker needs the same loader.
  const execArgv = isTypeScript ? ['--import', pathToFileURL(createRequire(here).resolve('tsx')).href] : [];
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const worker = new Worker(file, { workerData: job, execArgv });
    const stop = () => void worker.terminate();
    signal?.addEventListener('abort', stop, { once: true });
    let result: SnapshotBuilt | null = null;
    worker.once('message', (m: SnapshotBuilt) => (result = m));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', stop);
      if (result) resolve(result);
      else reject(signal?.aborted ? signal.reason : new Error(`The snapshot builder stopped (exit code ${code}) before finishing.`));
    });
  });
}

/**
 * Prunes the trust's snapshots to the newest KEEP_SNAPSHOTS: older ones are marked pruned (no
 * manifest offers them; a download under way still finishes) and, PRUNED_GRACE_MINUTES after
 * that, deleted with their artefacts. Returns how many were deleted.
 */
export async function pruneSnapshots(db: Db, trustId: string, keep = KEEP_SNAPSHOTS): Promise<number> {
  await db.query(
    `UPDATE directory_snapshot SET pruned_at = now() WHERE trust_id = $1 AND pruned_at IS NULL AND sha256 NOT IN (
       SELECT sha256 FROM directory_snapshot WHERE trust_id = $1 AND pruned_at IS NULL ORDER BY version DESC, built_at DESC LIMIT $2)`,
    [trustId, keep],
  );
  const removed = await db.query<{ sha256: string }>(
    'DELETE FROM directory_snapshot WHERE trust_id = $1 AND pruned_at < now() - make_interval(mins => $2) RETURNING sha256',
    [trustId, PRUNED_GRACE_MINUTES],
  );
  // Each node's cached copy goes at its next cache sweep (artefacts/serve.ts).
  await deleteUnnamedArtefacts(db, removed.map((r) => r.sha256));
  return removed.length;
}

export interface BuildOptions {
  /** Stops the build (the node shutting down): nothing is recorded. */
  signal?: AbortSignal;
}

/**
 * Builds the immutable snapshot of the trust's directory as published now: an indexed SQLite file
 * in the desk's schema whose meta holds the version, publish time and the cursor that continues the
 * changes feed from exactly that version. The file is built in this node's cache folder, stored in
 * the artefact store (checked against the hash the builder computed) and recorded in
 * directory_snapshot in the same transaction; this node keeps it as its cached copy. Older
 * snapshots are pruned. Null when the trust has published nothing yet.
 *
 * Call it through ensureSnapshot (snapshot-builds.ts), which makes one node build at a time.
 */
export async function buildSnapshot(db: Db, trustId: string, dataDir: string, options: BuildOptions = {}): Promise<SnapshotRecord | null> {
  const dir = artefactCacheDir(dataDir);
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `tmp-${randomBytes(8).toString('hex')}`);
  const stagingFile = `${tmp}.ndjson`;
  const outFile = `${tmp}.db`;
  const encodedFile = `${tmp}.db.zst`;
  try {
    const staged = await stageServices(db, trustId, stagingFile);
    if (!staged) return null;
    options.signal?.throwIfAborted();
    const cursor = encodeCursor({ directory: staged.directory, version: staged.version, afterId: null, floor: staged.version });
    const built = await runWorker({ kind: 'directory-snapshot', stagingFile, outFile, encodedFile, meta: { version: String(staged.version), publishedAt: staged.publishedAt, cursor } }, options.signal);
    await rm(stagingFile, { force: true });
    await rm(outFile, { force: true });
    options.signal?.throwIfAborted();
    // Only the compressed copy is stored (a quarter of the size): the SQLite file is what it decodes to.
    const source = createReadStream(encodedFile, { highWaterMark: 1024 * 1024, signal: options.signal });
    const { artefact } = await putArtefact(db, source, {
      contentType: ENCODED_SNAPSHOT_CONTENT_TYPE,
      expectedSha256: built.encodedSha256,
      maxBytes: MAX_SNAPSHOT_BYTES,
      record: async (tx, a) => {
        await tx.query(
          `INSERT INTO directory_snapshot (sha256, trust_id, version, bytes, services, published_at, encoding, installed_sha256, installed_bytes)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (sha256) DO NOTHING`,
          [a.sha256, trustId, staged.version, a.bytes, built.services, staged.publishedAt, SNAPSHOT_ENCODING, built.sha256, built.bytes],
        );
      },
    });
    await placeInCache(dataDir, artefact, encodedFile);
    await pruneSnapshots(db, trustId);
    return {
      sha256: artefact.sha256,
      bytes: artefact.bytes,
      encoding: SNAPSHOT_ENCODING,
      installed: { sha256: built.sha256, bytes: built.bytes },
      trustId,
      version: staged.version,
      services: built.services,
      publishedAt: staged.publishedAt,
    };
  } finally {
    await rm(stagingFile, { force: true });
    await rm(outFile, { force: true });
    await rm(encodedFile, { force: true });
  }
}

/**
 * Snapshots recorded while they were files in one node's DATA_DIR/snapshots: each this node still
 * has is stored in the artefact store (checked against its recorded hash), then its file removed.
 * Rows whose file is on no node stay unserved; the trust's newest is built again (snapshot-builds.ts).
 * Returns how many were stored.
 */
export async function storeLegacySnapshots(db: Db, dataDir: string): Promise<number> {
  const dir = legacySnapshotDir(dataDir);
  const names = await readdir(dir).catch(() => null);
  if (names === null) return 0;
  let stored = 0;
  for (const name of names) {
    const file = path.join(dir, name);
    const m = /^([0-9a-f]{64})\.db$/.exec(name);
    if (!m) {
      // A build this version will never finish.
      if (name.startsWith('tmp-')) await rm(file, { force: true });
      continue;
    }
    const sha256 = m[1]!;
    const [row] = await db.query<{ stored: boolean }>('SELECT EXISTS (SELECT 1 FROM artefact WHERE sha256 = $1) AS stored FROM directory_snapshot WHERE sha256 = $1', [sha256]);
    if (row && !row.stored) {
      try {
        await putArtefact(db, createReadStream(file), { contentType: SNAPSHOT_CONTENT_TYPE, expectedSha256: sha256, maxBytes: MAX_SNAPSHOT_BYTES });
        stored++;
      } catch {
        // Damaged on this disk: leave it to a rebuild.
      }
    }
    await rm(file, { force: true });
  }
  await rmdir(dir).catch(() => {});
  return stored;
}
