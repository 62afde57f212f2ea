import type { FastifyReply, FastifyRequest } from 'fastify';

/*
 * Where a push's time went on the server, told back in the answer's Server-Timing header (W3C
 * Server-Timing; durations only, nothing about the records): the token check, reading and
 * parsing the body, validating it, applying the batch (one transaction: reads, decisions, writes,
 * commit), and the rest (publishing reports, writing the answer). The sync benchmark reads it to
 * split each push between the desk, the wire and the server (docs/benchmarks.md, Push, round 3):
 * without it the first-run outlier of round 2 could not be placed.
 */

interface Marks {
  auth?: number;
  body?: number;
  validated?: number;
  applied?: [number, number];
}

const marks = new WeakMap<FastifyRequest, Marks>();

const mark = (request: FastifyRequest, reply: FastifyReply, name: 'auth' | 'body' | 'validated') => {
  const m = marks.get(request) ?? {};
  m[name] = reply.elapsedTime;
  marks.set(request, m);
};

/** The route's hooks: each stamps how far into the request (ms since it arrived) a step ended. */
export const pushTimingHooks = {
  preParsing: async (request: FastifyRequest, reply: FastifyReply) => mark(request, reply, 'auth'),
  preValidation: async (request: FastifyRequest, reply: FastifyReply) => mark(request, reply, 'body'),
  preHandler: async (request: FastifyRequest, reply: FastifyReply) => mark(request, reply, 'validated'),
  onSend: async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const m = marks.get(request);
    if (m?.applied) reply.header('server-timing', serverTiming(m, reply.elapsedTime));
    return payload;
  },
};

/** Runs the batch's apply, noting when it began and ended. */
export async function timedApply<T>(request: FastifyRequest, reply: FastifyReply, apply: () => Promise<T>): Promise<T> {
  const start = reply.elapsedTime;
  const result = await apply();
  const m = marks.get(request) ?? {};
  m.applied = [start, reply.elapsedTime];
  marks.set(request, m);
  return result;
}

function serverTiming(m: Marks, end: number): string {
  const auth = m.auth ?? 0;
  const body = m.body ?? auth;
  const validated = m.validated ?? body;
  const [applyStart, applyEnd] = m.applied!;
  const parts: [string, number][] = [
    ['auth', auth],
    ['body', body - auth],
    ['validate', validated - body],
    ['apply', applyEnd - applyStart],
    ['answer', end - applyEnd + (applyStart - validated)],
    ['total', end],
  ];
  return parts.map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`).join(', ');
}
