import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, openSync, readSync, statSync } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { constants as zlib, createZstdCompress } from 'node:zlib';
import Database from 'better-sqlite3-multiple-ciphers';
import type { DirectoryService } from '../../../shared/domain/directory';
import { buildDirectorySnapshot, type SnapshotMeta } from '../../../shared/directory/snapshot';

/*
 * Builds one snapshot file in a worker thread: the build is seconds of synchronous SQLite work for
 * a large directory, which must not stall the API node's event loop.
 */

export interface SnapshotJob {
  kind: 'directory-snapshot';
  /** One service JSON per line, in id order. */
  stagingFile: string;
  outFile: string;
  /** Where the compressed copy (what is stored and travels) is written. */
  encodedFile: string;
  meta: SnapshotMeta;
}

export interface SnapshotBuilt {
  services: number;
  /** The SQLite file a desk installs. */
  sha256: string;
  bytes: number;
  /** The compressed copy: SNAPSHOT_ENCODING of the file. */
  encodedSha256: string;
  encodedBytes: number;
}

/*
 * zstd, level 9, measured on the 100,000-service snapshot (154 MB): gzip -6 35.1 MiB in 11 s,
 * decoded in 2.4 s; zstd -3 31.6 MiB in 1.9 s; zstd -9 27.1 MiB in 6.9 s, decoded in 1.0–2.0 s;
 * brotli -9 23.9 MiB but 107 s to build. At 20 Mbit/s zstd -9 saves 2 s of transfer over -3 for
 * 5 s more of building once per publish; brotli's last 3 MiB are not worth a minute and a half.
 */
export const SNAPSHOT_ZSTD_LEVEL = 9;

/** The lines of a file, read synchronously a block at a time (buildDirectorySnapshot takes a plain iterable). */
function* linesOf(file: string): Generator<string> {
  const fd = openSync(file, 'r');
  try {
    const block = Buffer.alloc(1 << 20);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const n = readSync(fd, block, 0, block.length, null);
      if (n === 0) break;
      const lines = (rest + decoder.write(block.subarray(0, n))).split('\n');
      rest = lines.pop()!;
      yield* lines;
    }
    rest += decoder.end();
    if (rest) yield rest;
  } finally {
    closeSync(fd);
  }
}

function* servicesIn(file: string): Generator<DirectoryService> {
  for (const line of linesOf(file)) if (line) yield JSON.parse(line) as DirectoryService;
}

/** Hashes and counts the bytes passing through. */
function counting(): Transform & { sha256(): string; bytes: number } {
  const hash = createHash('sha256');
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      t.bytes += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { sha256(): string; bytes: number };
  t.bytes = 0;
  t.sha256 = () => hash.digest('hex');
  return t;
}

/** Compresses the built file once, hashing what goes in (the installed file) and what comes out. */
async function encodeSnapshot(file: string, encodedFile: string) {
  const plain = counting();
  const encoded = counting();
  const zstd = createZstdCompress({ pledgedSrcSize: statSync(file).size, params: { [zlib.ZSTD_c_compressionLevel]: SNAPSHOT_ZSTD_LEVEL, [zlib.ZSTD_c_checksumFlag]: 1 } });
  await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), plain, zstd, encoded, createWriteStream(encodedFile));
  return { sha256: plain.sha256(), bytes: plain.bytes, encodedSha256: encoded.sha256(), encodedBytes: encoded.bytes };
}

export async function buildSnapshotFile(job: SnapshotJob): Promise<SnapshotBuilt> {
  const db = new Database(job.outFile);
  let services: number;
  try {
    // A snapshot being built is thrown away if anything fails: no journal, no syncing until it is whole.
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -131072');
    services = buildDirectorySnapshot(db, servicesIn(job.stagingFile), job.meta);
  } finally {
    db.close();
  }
  return { services, ...(await encodeSnapshot(job.outFile, job.encodedFile)) };
}

const job = workerData as SnapshotJob | undefined;
if (!isMainThread && job?.kind === 'directory-snapshot') {
  // A failure is an unhandled rejection, which ends the worker with an 'error' the builder reports.
  void buildSnapshotFile(job).then((built) => parentPort!.postMessage(built));
}
