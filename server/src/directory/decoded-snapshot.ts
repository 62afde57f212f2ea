import { pipeline, Transform } from 'node:stream';
import { createZstdDecompress } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/db';
import { artefactBytes, sendImmutable } from '../artefacts/serve';
import type { ArtefactRecord } from '../artefacts/store';
import type { SnapshotRecord } from './snapshots';

/*
 * A compressed snapshot served as the SQLite file itself, to desks that do not read the manifest's
 * `compressed` download (versions before it, or a runtime without zstd). Decoded as it is sent:
 * about a second of one core per 150 MB. A Range is served by decoding from the start and skipping
 * to it, so a resumed download costs the server the decoding of what the desk already has, and
 * the wire only the rest.
 */

/** Passes on bytes [start, end] of the stream (inclusive) and stops there. */
function slice(start: number, end: number): Transform {
  let at = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const from = Math.max(0, start - at);
      const to = Math.min(chunk.length, end + 1 - at);
      at += chunk.length;
      done(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
}

export async function sendDecodedSnapshot(
  request: FastifyRequest,
  reply: FastifyReply,
  found: { snapshot: SnapshotRecord; artefact: ArtefactRecord },
  o: { db: Db; dataDir: string; fileName: string; contentType: string },
): Promise<FastifyReply> {
  const { installed } = found.snapshot;
  return sendImmutable(request, reply, { sha256: installed.sha256, bytes: installed.bytes, fileName: o.fileName, contentType: o.contentType }, async (start, end) => {
    const source = await artefactBytes(request, found.artefact, o);
    // pipeline destroys every stage when the desk goes away or the stored bytes do not decode
    // (the desk then sees a cut transfer and checks the file's sha256 in any case).
    return pipeline(source, createZstdDecompress(), slice(start, end), (e) => {
      if (e) request.log.warn({ err: { type: e.name } }, 'a decoded snapshot download stopped');
    });
  });
}
