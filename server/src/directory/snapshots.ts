import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Db, Queryable } from '../db/db';
import { DIRECTORY_TAG_SQL, encodeCursor } from './cursor';
import type { SnapshotBuilt, SnapshotJob } from './snapshot-worker';

/** Snapshots kept per trust: desks that read an older manifest can still finish their download. */
export const KEEP_SNAPSHOTS = 3;

export interface SnapshotRecord {
  sha256: string;
  trustId: string;
  version: number;
  bytes: number;
  services: number;
  publishedAt: string;
}

export const snapshotDir = (dataDir: string) => path.join(dataDir, 'snapshots');
export const snapshotPath = (dataDir: string, sha256: string) => path.join(snapshotDir(dataDir), `${sha256}.db`);

const SELECT_SNAPSHOT = `SELECT sha256, trust_id, version, bytes, services, coalesce(published_at, built_at) AS published_at FROM directory_snapshot`;

interface SnapshotRow {
  sha256: string;
  trust_id: string;
  version: number;
  bytes: number;
  services: number;
  published_at: Date;
}

const recordOf = (r: SnapshotRow): SnapshotRecord => ({
  sha256: r.sha256,
  trustId: r.trust_id,
  version: r.version,
  bytes: r.bytes,
  services: r.services,
  publishedAt: new Date(r.published_at).toISOString(),
});

export async function latestSnapshot(db: Queryable, trustId: string): Promise<SnapshotRecord | null> {
  const [row] = await db.query<SnapshotRow>(`${SELECT_SNAPSHOT} WHERE trust_id = $1 ORDER BY version DESC, built_at DESC LIMIT 1`, [trustId]);
  return row ? recordOf(row) : null;
}

/** The trust's snapshot with this hash; null for an unknown hash or another trust's snapshot. */
export async function findSnapshot(db: Queryable, trustId: string, sha256: string): Promise<SnapshotRecord | null> {
  const [row] = await db.query<SnapshotRow>(`${SELECT_SNAPSHOT} WHERE sha256 = $1 AND trust_id = $2`, [sha256, trustId]);
  return row ? recordOf(row) : null;
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

function runWorker(job: SnapshotJob): Promise<SnapshotBuilt> {
  const here = import.meta.url;
  const isTypeScript = here.endsWith('.ts');
  const file = new URL(`./snapshot-worker.${isTypeScript ? 'ts' : 'js'}`, here);
  // Running from TypeScript sources (tsx, vitest): the worker needs the same loader.
  const execArgv = isTypeScript ? ['--import', pathToFileURL(createRequire(here).resolve('tsx')).href] : [];
  return new Promise((resolve, reject) => {
    const worker = new Worker(file, { workerData: job, execArgv });
    let result: SnapshotBuilt | null = null;
    worker.once('message', (m: SnapshotBuilt) => (result = m));
    worker.once('error', reject);
    worker.once('exit', (code) => (result ? resolve(result) : reject(new Error(`The snapshot builder stopped (exit code ${code}) before finishing.`))));
  });
}

async function fsyncPath(p: string): Promise<void> {
  const handle = await open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes build leftovers older than an hour (a build interrupted by a crash). */
async function removeStaleTemporaries(dir: string): Promise<void> {
  const hourAgo = Date.now() - 3600_000;
  for (const name of await readdir(dir)) {
    if (!name.startsWith('tmp-')) continue;
    const p = path.join(dir, name);
    const info = await stat(p).catch(() => null);
    if (info && info.mtimeMs < hourAgo) await rm(p, { force: true });
  }
}

/** Deletes all but the newest KEEP_SNAPSHOTS snapshots of the trust, rows and files. */
export async function pruneSnapshots(db: Db, trustId: string, dataDir: string, keep = KEEP_SNAPSHOTS): Promise<number> {
  const removed = await db.query<{ sha256: string }>(
    `DELETE FROM directory_snapshot WHERE trust_id = $1 AND sha256 NOT IN (
       SELECT sha256 FROM directory_snapshot WHERE trust_id = $1 ORDER BY version DESC, built_at DESC LIMIT $2)
     RETURNING sha256`,
    [trustId, keep],
  );
  // A download already under way keeps reading its open file after the unlink.
  for (const { sha256 } of removed) await rm(snapshotPath(dataDir, sha256), { force: true });
  return removed.length;
}

/**
 * Builds the immutable snapshot of the trust's directory as published now: an indexed SQLite file
 * in the desk's schema whose meta holds the version, publish time and the cursor that continues the
 * changes feed from exactly that version. Stored as snapshots/<sha256>.db (written to a temporary
 * file, synced, renamed), recorded in directory_snapshot; older snapshots pruned. Null when the
 * trust has published nothing yet.
 */
export async function buildSnapshot(db: Db, trustId: string, dataDir: string): Promise<SnapshotRecord | null> {
  const dir = snapshotDir(dataDir);
  await mkdir(dir, { recursive: true });
  await removeStaleTemporaries(dir);
  const tmp = path.join(dir, `tmp-${randomBytes(8).toString('hex')}`);
  const stagingFile = `${tmp}.ndjson`;
  const outFile = `${tmp}.db`;
  try {
    const staged = await stageServices(db, trustId, stagingFile);
    if (!staged) return null;
    const cursor = encodeCursor({ directory: staged.directory, version: staged.version, afterId: null, floor: staged.version });
    const built = await runWorker({ kind: 'directory-snapshot', stagingFile, outFile, meta: { version: String(staged.version), publishedAt: staged.publishedAt, cursor } });
    await fsyncPath(outFile);
    await rename(outFile, snapshotPath(dataDir, built.sha256));
    await fsyncPath(dir);
    await db.query(
      `INSERT INTO directory_snapshot (sha256, trust_id, version, bytes, services, published_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (sha256) DO NOTHING`,
      [built.sha256, trustId, staged.version, built.bytes, built.services, staged.publishedAt],
    );
    await pruneSnapshots(db, trustId, dataDir);
    return { sha256: built.sha256, trustId, version: staged.version, bytes: built.bytes, services: built.services, publishedAt: staged.publishedAt };
  } finally {
    await rm(stagingFile, { force: true });
    await rm(outFile, { force: true });
  }
}
