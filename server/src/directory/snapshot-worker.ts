import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
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
  meta: SnapshotMeta;
}

export interface SnapshotBuilt {
  services: number;
  sha256: string;
  bytes: number;
}

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

function sha256Of(file: string): { sha256: string; bytes: number } {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  let bytes = 0;
  try {
    const block = Buffer.alloc(1 << 20);
    for (let n; (n = readSync(fd, block, 0, block.length, null)) > 0; bytes += n) hash.update(block.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), bytes };
}

export function buildSnapshotFile(job: SnapshotJob): SnapshotBuilt {
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
  return { services, ...sha256Of(job.outFile) };
}

const job = workerData as SnapshotJob | undefined;
if (!isMainThread && job?.kind === 'directory-snapshot') parentPort!.postMessage(buildSnapshotFile(job));
