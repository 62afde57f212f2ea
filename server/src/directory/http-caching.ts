import type { FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';

/** Whether an If-None-Match header names this entity tag (weak comparison, as RFC 9110 asks for GET). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

// Route types only know the JSON bodies their schemas describe; these send what the schemas cannot.

export function notModified(reply: FastifyReply): FastifyReply {
  return reply.code(304).send();
}

/** Streams and pre-serialised JSON go out as they are: Fastify does not run them through the response schema. */
export function sendRaw(reply: FastifyReply, body: Readable | string): FastifyReply {
  return reply.send(body);
}
