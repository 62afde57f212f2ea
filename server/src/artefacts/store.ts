import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Db, Queryable } from '../db/db';

/*
 * The artefact store: immutable files named by their sha256, kept in PostgreSQL so that every API
 * node serves the same bytes (DESIGN.md §6). A file goes in as 1 MiB chunk rows of one upload
 * (content_id); the artefact row that names it is inserted only after the last chunk is written and
 * the hashes are checked, in the same transaction that checks nobody stored it first. So a reader
 * that finds the row reads a whole file, whichever node wrote it and whenever that node died.
 * Chunk rows left by an upload that never finished are purged after a day.
 */

/** 1 MiB: a row PostgreSQL TOASTs comfortably, and few enough rows for a 200 MiB installer (200). */
export const CHUNK_BYTES = 1024 * 1024;
/** Chunks fetched per query when reading: 8 MiB in memory at most per download. */
const READ_BATCH = 8;

export interface ArtefactRecord {
  sha256: string;
  bytes: number;
  /** base64, as electron-updater's metadata carries it. */
  sha512: string;
  contentType: string;
  chunkBytes: number;
  contentId: string;
  createdAt: string;
}

interface ArtefactRow {
  sha256: string;
  bytes: number;
  sha512: string;
  content_type: string;
  chunk_bytes: number;
  content_id: string;
  created_at: Date;
}

const recordOf = (r: ArtefactRow): ArtefactRecord => ({
  sha256: r.sha256,
  bytes: Number(r.bytes),
  sha512: r.sha512,
  contentType: r.content_type,
  chunkBytes: r.chunk_bytes,
  contentId: r.content_id,
  createdAt: new Date(r.created_at).toISOString(),
});

export class ArtefactError extends Error {
  constructor(
    readonly code: 'sha256_mismatch' | 'too_large' | 'empty',
    message: string,
  ) {
    super(message);
  }
}

export async function findArtefact(db: Queryable, sha256: string): Promise<ArtefactRecord | null> {
  const [row] = await db.query<ArtefactRow>('SELECT sha256, bytes, sha512, content_type, chunk_bytes, content_id, created_at FROM artefact WHERE sha256 = $1', [sha256]);
  return row ? recordOf(row) : null;
}

export interface PutOptions {
  contentType: string;
  /** When given, the upload is refused (and nothing kept) unless the bytes hash to it. */
  expectedSha256?: string;
  maxBytes: number;
  /**
   * Writes what names the artefact (a release file, a directory snapshot) in the same transaction
   * that records it, so the artefact is never left unnamed by a node that dies in between. For bytes
   * stored before, it runs in a transaction of its own.
   */
  record?: (tx: Queryable, artefact: ArtefactRecord) => Promise<void>;
}

/**
 * Stores the bytes of `source` and returns the artefact (the existing one when the same bytes were
 * stored before). Nothing is visible to readers until the whole file is in and checked.
 */
export async function putArtefact(db: Db, source: AsyncIterable<Buffer | Uint8Array | string>, options: PutOptions): Promise<{ artefact: ArtefactRecord; created: boolean }> {
  const contentId = randomUUID();
  const sha256 = createHash('sha256');
  const sha512 = createHash('sha512');
  let bytes = 0;
  let n = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (all: boolean) => {
    while (pendingBytes >= CHUNK_BYTES || (all && pendingBytes > 0)) {
      const joined = Buffer.concat(pending);
      const chunk = joined.subarray(0, CHUNK_BYTES);
      const rest = joined.subarray(chunk.length);
      await db.query('INSERT INTO artefact_chunk (content_id, n, data) VALUES ($1, $2, $3)', [contentId, n++, chunk]);
      pending = rest.length ? [Buffer.from(rest)] : [];
      pendingBytes = rest.length;
    }
  };
  try {
    for await (const part of source) {
      const buf = typeof part === 'string' ? Buffer.from(part) : Buffer.from(part.buffer, part.byteOffset, part.byteLength);
      bytes += buf.length;
      if (bytes > options.maxBytes) throw new ArtefactError('too_large', `The file is larger than ${options.maxBytes} bytes, the most this server stores.`);
      sha256.update(buf);
      sha512.update(buf);
      pending.push(Buffer.from(buf));
      pendingBytes += buf.length;
      if (pendingBytes >= CHUNK_BYTES) await flush(false);
    }
    await flush(true);
    if (bytes === 0) throw new ArtefactError('empty', 'The file is empty: send its bytes as the request body.');
    const digest = sha256.digest('hex');
    if (options.expectedSha256 && digest !== options.expectedSha256) {
      throw new ArtefactError('sha256_mismatch', `The bytes received hash to ${digest}, not ${options.expectedSha256}: the upload was damaged or is another file. Send it again.`);
    }
    const sha512b64 = sha512.digest('base64');
    const inserted = await db.transaction(async (tx) => {
      const rows = await tx.query<ArtefactRow>(
        `INSERT INTO artefact (sha256, content_id, bytes, sha512, chunk_bytes, content_type) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (sha256) DO NOTHING RETURNING sha256, bytes, sha512, content_type, chunk_bytes, content_id, created_at`,
        [digest, contentId, bytes, sha512b64, CHUNK_BYTES, options.contentType],
      );
      const row = rows[0];
      if (row) await options.record?.(tx, recordOf(row));
      return row ?? null;
    });
    if (inserted) return { artefact: recordOf(inserted), created: true };
    // The same bytes were stored already (by another upload, maybe on another node): keep that one.
    await db.query('DELETE FROM artefact_chunk WHERE content_id = $1', [contentId]);
    const existing = (await findArtefact(db, digest))!;
    if (options.record) await db.transaction((tx) => options.record!(tx, existing));
    return { artefact: existing, created: false };
  } catch (e) {
    await db.query('DELETE FROM artefact_chunk WHERE content_id = $1', [contentId]).catch(() => {});
    throw e;
  }
}

/** Bytes [start, end] of the artefact, streamed from its chunks a few at a time. */
export function readArtefact(db: Queryable, a: ArtefactRecord, start = 0, end = a.bytes - 1): Readable {
  const first = Math.floor(start / a.chunkBytes);
  const last = Math.floor(end / a.chunkBytes);
  async function* chunks() {
    for (let from = first; from <= last; from += READ_BATCH) {
      const to = Math.min(last, from + READ_BATCH - 1);
      const rows = await db.query<{ n: number; data: Buffer | Uint8Array }>('SELECT n, data FROM artefact_chunk WHERE content_id = $1 AND n BETWEEN $2 AND $3 ORDER BY n', [a.contentId, from, to]);
      if (rows.length !== to - from + 1) throw new Error(`Artefact ${a.sha256} is missing chunks ${from}–${to} in the database.`);
      for (const row of rows) {
        const data = Buffer.isBuffer(row.data) ? row.data : Buffer.from(row.data);
        const offset = row.n * a.chunkBytes;
        const s = Math.max(start - offset, 0);
        const e = Math.min(end - offset + 1, data.length);
        yield data.subarray(s, e);
      }
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

/**
 * Deletes artefacts nothing names any more, among those given (a pruned snapshot's, say): the row
 * and its chunks. Release files and snapshots still naming one keep it (their foreign keys).
 */
export async function deleteUnnamedArtefacts(db: Db, sha256s: readonly string[]): Promise<number> {
  if (sha256s.length === 0) return 0;
  return db.transaction(async (tx) => {
    const gone = await tx.query<{ content_id: string }>(
      `DELETE FROM artefact a WHERE a.sha256 = ANY($1::text[])
         AND NOT EXISTS (SELECT 1 FROM directory_snapshot d WHERE d.sha256 = a.sha256)
         AND NOT EXISTS (SELECT 1 FROM app_release_file f WHERE f.sha256 = a.sha256)
       RETURNING content_id`,
      [sha256s],
    );
    if (gone.length > 0) await tx.query('DELETE FROM artefact_chunk WHERE content_id = ANY($1::uuid[])', [gone.map((g) => g.content_id)]);
    return gone.length;
  });
}

/** Removes the chunks of uploads that never became an artefact (a node died mid-upload). */
export async function purgeAbandonedUploads(db: Queryable, olderThanHours = 24): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `DELETE FROM artefact_chunk c WHERE c.written_at < now() - make_interval(hours => $1)
       AND NOT EXISTS (SELECT 1 FROM artefact a WHERE a.content_id = c.content_id) RETURNING n`,
    [olderThanHours],
  );
  return rows.length;
}
