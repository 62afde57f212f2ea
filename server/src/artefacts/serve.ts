import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../app';
import type { Db, Queryable } from '../db/db';
import { byteRangeOf } from '../directory/byte-range';
import { etagMatches, notModified, sendRaw } from '../directory/http-caching';
import { readArtefact, type ArtefactRecord } from './store';

/*
 * Serving an artefact over HTTP from any node: ETag (its sha256), If-None-Match, Range and If-Range
 * (a dropped download resumes on whichever node answers next). Bytes come from this node's cache
 * folder, DATA_DIR/artefacts/<sha256>, when it holds the file, and otherwise straight from
 * PostgreSQL while the cache is filled in the background. The cache can be deleted at any time: a
 * file appears in it only whole and checked (written aside, hashed, renamed).
 */

export const artefactCacheDir = (dataDir: string) => path.join(dataDir, 'artefacts');
const cachePath = (dataDir: string, sha256: string) => path.join(artefactCacheDir(dataDir), sha256);

/** Fills in progress on this node, so that many desks asking at once cause one copy. */
const filling = new Map<string, Promise<void>>();

/** Copies the artefact from the database into the cache, checking its sha256 before it becomes visible. */
export function fillCache(db: Db, dataDir: string, a: ArtefactRecord): Promise<void> {
  const key = `${dataDir}\0${a.sha256}`;
  const running = filling.get(key);
  if (running) return running;
  const job = (async () => {
    const dir = artefactCacheDir(dataDir);
    await mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `tmp-${randomBytes(8).toString('hex')}`);
    try {
      const hash = createHash('sha256');
      const source = readArtefact(db, a);
      source.on('data', (c: Buffer) => hash.update(c));
      await pipeline(source, createWriteStream(tmp));
      if (hash.digest('hex') !== a.sha256) throw new Error(`artefact ${a.sha256} read back from the database with another hash`);
      await rename(tmp, cachePath(dataDir, a.sha256));
    } finally {
      await rm(tmp, { force: true });
    }
  })().finally(() => filling.delete(key));
  filling.set(key, job);
  return job;
}

/**
 * Puts a file this node has just made and checked (a snapshot it built) into its cache as the
 * artefact's bytes, so that it is not read back from the database. Best effort: the cache is a cache.
 */
export async function placeInCache(dataDir: string, a: Pick<ArtefactRecord, 'sha256'>, file: string): Promise<boolean> {
  try {
    await mkdir(artefactCacheDir(dataDir), { recursive: true });
    await rename(file, cachePath(dataDir, a.sha256));
    return true;
  } catch {
    return false;
  }
}

/** Temporary files in the cache folder (a fill or a build that was cut short) are removed after an hour. */
const STALE_TEMPORARY_MS = 3600_000;

/**
 * Keeps this node's cache to what the database still holds: files of artefacts since deleted (a
 * pruned snapshot's) and temporaries left by a crash are removed. Returns how many files went.
 */
export async function sweepCache(db: Queryable, dataDir: string, now = Date.now()): Promise<number> {
  const dir = artefactCacheDir(dataDir);
  const names = await readdir(dir).catch(() => [] as string[]);
  const named = names.filter((n) => /^[0-9a-f]{64}$/.test(n));
  const kept = new Set(
    named.length === 0 ? [] : (await db.query<{ sha256: string }>('SELECT sha256 FROM artefact WHERE sha256 = ANY($1::text[])', [named])).map((r) => r.sha256),
  );
  let removed = 0;
  for (const name of names) {
    const file = path.join(dir, name);
    if (/^[0-9a-f]{64}$/.test(name)) {
      if (kept.has(name)) continue;
    } else if (name.startsWith('tmp-')) {
      const info = await stat(file).catch(() => null);
      if (!info || now - info.mtimeMs < STALE_TEMPORARY_MS) continue;
    } else continue;
    await rm(file, { force: true });
    removed++;
  }
  return removed;
}

async function openCached(dataDir: string, a: ArtefactRecord): Promise<FileHandle | null> {
  const file = await open(cachePath(dataDir, a.sha256)).catch(() => null);
  if (!file) return null;
  const { size } = await file.stat();
  if (size === a.bytes) return file;
  // Not the file it should be (a disk problem): forget it; the database has the truth.
  await file.close();
  await rm(cachePath(dataDir, a.sha256), { force: true });
  return null;
}

export interface SendOptions {
  db: Db;
  dataDir: string;
  /** The name a browser or updater saves it under. */
  fileName: string;
  contentType?: string;
}

/** Answers a GET for the artefact: 200 whole, 206 a range, 304 unchanged, 416 a range past its end. */
export async function sendArtefact(request: FastifyRequest, reply: FastifyReply, a: ArtefactRecord, o: SendOptions): Promise<FastifyReply> {
  return sendImmutable(request, reply, { sha256: a.sha256, bytes: a.bytes, fileName: o.fileName, contentType: o.contentType ?? a.contentType }, (start, end) =>
    artefactBytes(request, a, o, start, end),
  );
}

/**
 * Answers a GET for an immutable file named by its sha256 (its ETag): 200 whole, 206 a range (If-Range
 * honoured), 304 unchanged, 416 a range past its end, headers only for HEAD. `bytesOf` gives the
 * bytes from `start` to `end` (inclusive), asked for only when a body is sent.
 */
export async function sendImmutable(
  request: FastifyRequest,
  reply: FastifyReply,
  file: { sha256: string; bytes: number; fileName: string; contentType: string },
  bytesOf: (start: number, end: number) => Promise<Readable>,
): Promise<FastifyReply> {
  const etag = `"${file.sha256}"`;
  const headers = {
    etag,
    'cache-control': 'private, max-age=31536000, immutable',
    'accept-ranges': 'bytes',
    'content-disposition': `attachment; filename="${file.fileName.replace(/[^\w.+-]/g, '_')}"`,
  };
  if (etagMatches(request.headers['if-none-match'], etag)) return notModified(reply.headers(headers));
  const ifRange = request.headers['if-range'];
  const range = ifRange === undefined || ifRange === etag ? byteRangeOf(request.headers.range, file.bytes) : { kind: 'full' as const };
  if (range.kind === 'unsatisfiable') {
    return reply.code(416).header('content-range', `bytes */${file.bytes}`).send(errorBody('range_not_satisfiable', `The file is ${file.bytes} bytes; the range asked for starts past its end.`));
  }
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : file.bytes - 1;
  reply.headers(headers).type(file.contentType);
  if (range.kind === 'partial') reply.code(206).header('content-range', `bytes ${start}-${end}/${file.bytes}`);
  reply.header('content-length', end - start + 1);
  // Headers only: nothing to read, and no reason to fill a cache.
  if (request.method === 'HEAD') return reply.send();
  return sendRaw(reply, await bytesOf(start, end));
}

/** The artefact's bytes from `start` to `end` (inclusive): from this node's cache, or from PostgreSQL while the cache is filled. */
export async function artefactBytes(request: FastifyRequest, a: ArtefactRecord, o: Pick<SendOptions, 'db' | 'dataDir'>, start = 0, end = a.bytes - 1): Promise<Readable> {
  const cached = await openCached(o.dataDir, a);
  if (cached) return cached.createReadStream({ start, end });
  fillCache(o.db, o.dataDir, a).catch((e: Error) => request.log.warn({ err: { type: e.name } }, 'could not fill the artefact cache'));
  return readArtefact(o.db, a, start, end);
}
