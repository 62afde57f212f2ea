import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createZstdDecompress } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../app';
import type { Db } from '../db/db';
import { artefactBytes } from '../artefacts/serve';
import type { ArtefactRecord } from '../artefacts/store';
import { byteRangeOf } from './byte-range';
import { etagMatches, notModified, sendRaw } from './http-caching';
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
  const etag = `"${installed.sha256}"`;
  reply.headers({
    etag,
    'cache-control': 'private, max-age=31536000, immutable',
    'accept-ranges': 'bytes',
    'content-disposition': `attachment; filename="${o.fileName.replace(/[^\w.+-]/g, '_')}"`,
  });
  if (etagMatches(request.headers['if-none-match'], etag)) return notModified(reply);
  const ifRange = request.headers['if-range'];
  const range = ifRange === undefined || ifRange === etag ? byteRangeOf(request.headers.range, installed.bytes) : { kind: 'full' as const };
  if (range.kind === 'unsatisfiable') {
    return reply.code(416).header('content-range', `bytes */${installed.bytes}`).send(errorBody('range_not_satisfiable', `The file is ${installed.bytes} bytes; the range asked for starts past its end.`));
  }
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : installed.bytes - 1;
  reply.type(o.contentType);
  if (range.kind === 'partial') reply.code(206).header('content-range', `bytes ${start}-${end}/${installed.bytes}`);
  reply.header('content-length', end - start + 1);
  if (request.method === 'HEAD') return reply.send();
  const source = await artefactBytes(request, found.artefact, o);
  // pipeline destroys every stage when the desk goes away or the stored bytes do not decode
  // (the desk then sees a cut transfer and checks the file's sha256 in any case).
  const body: Readable = pipeline(source, createZstdDecompress(), slice(start, end), (e) => {
    if (e) request.log.warn({ err: { type: e.name } }, 'a decoded snapshot download stopped');
  });
  return sendRaw(reply, body);
}
