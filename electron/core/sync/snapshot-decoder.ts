import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import type { SnapshotEncoding } from '../../../shared/sync/protocol';

/*
 * Decoding a compressed directory snapshot into the SQLite file a desk installs, hashing what comes
 * out. Streaming, so memory stays flat: zstd's window at the server's level 9 is 8 MiB at most.
 */

/** What the decoded file is: compared with the manifest's sha256 and bytes. */
export interface Decoded {
  sha256: string;
  bytes: number;
}

/** Whether this runtime decodes the encoding (zstd is in Node from 22.15; a desk without it downloads the SQLite file itself). */
export function canDecodeSnapshot(encoding: SnapshotEncoding): boolean {
  return encoding === 'zstd' && typeof zlib.createZstdDecompress === 'function';
}

function hashing(out: Decoded & { hash: ReturnType<typeof createHash> }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      out.hash.update(chunk);
      out.bytes += chunk.length;
      done(null, chunk);
    },
  });
}

/** Decodes `input` into `output` (replacing it); an Error (not thrown) when the bytes do not decode. */
export async function decodeSnapshotFile(input: string, output: string): Promise<Decoded | Error> {
  const d = { hash: createHash('sha256'), bytes: 0, sha256: '' };
  try {
    await pipeline(createReadStream(input, { highWaterMark: 1 << 20 }), zlib.createZstdDecompress(), hashing(d), createWriteStream(output));
  } catch (e) {
    // The disk's own failures (full, read-only) are the disk's, said as such by the caller's caller.
    if ((e as NodeJS.ErrnoException).syscall) throw e;
    return e as Error;
  }
  return { sha256: d.hash.digest('hex'), bytes: d.bytes };
}

/**
 * Decodes the compressed bytes as they arrive, into `output`, so that the file is whole moments
 * after the last byte (instead of 1–2 s later for 100,000 services). The caller still checks the
 * compressed bytes' hash before trusting what finish() answers.
 */
export class SnapshotDecoder {
  private readonly input = new PassThrough();
  private readonly done: Promise<Decoded | Error>;
  private failed = false;

  constructor(output: string) {
    const d = { hash: createHash('sha256'), bytes: 0, sha256: '' };
    this.done = pipeline(this.input, zlib.createZstdDecompress(), hashing(d), createWriteStream(output)).then(
      () => ({ sha256: d.hash.digest('hex'), bytes: d.bytes }),
      (e: Error) => {
        this.failed = true;
        return e;
      },
    );
  }

  /** Feeds a chunk, waiting while the decoder is behind; a decoder that failed takes no more (finish() says why). */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.failed) return;
    if (!this.input.write(chunk)) await Promise.race([once(this.input, 'drain'), this.done]);
  }

  /** Ends the input and answers what was decoded, or why it could not be. */
  finish(): Promise<Decoded | Error> {
    this.input.end();
    return this.done;
  }

  /** Stops decoding (the download was cut: the file is decoded from the side file once whole); resolves once the output is closed. */
  async abandon(): Promise<void> {
    this.input.destroy();
    await this.done;
  }
}
