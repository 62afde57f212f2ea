import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESK_HEADER } from '../../shared/sync/protocol';
import { CLINICIAN_SOUTH, startApiNodes, type ApiNodes } from './api-nodes';

/*
 * Finding 6 of the security probe: one token held 2,000 hint streams open, and HEAD
 * /v1/sync/hints never answered (it held the socket for the stream's 15 minutes). Now open streams
 * are capped per user and per desk, counted in PostgreSQL so the caps hold across API nodes, and
 * HEAD answers at once.
 */

const PER_USER = 3;
const PER_DESK = 2;

interface Opened {
  status: number;
  retryAfter: string | null;
  res: IncomingMessage;
  req: ClientRequest;
  /** The body of an error answer. */
  body(): Promise<string>;
  close(): Promise<void>;
}

/** Opens a hint stream and resolves with its status once the headers arrive (the stream stays open until close()). */
function openStream(base: string, token: string, desk?: string, method = 'GET'): Promise<Opened> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path: '/v1/sync/hints', agent: false, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(desk ? { [DESK_HEADER]: desk } : {}) } }, (res) => {
      req.setTimeout(0); // the headers came; the stream itself may be quiet for its keep-alive interval
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => (res.statusCode ?? 0) >= 400 && chunks.push(c));
      res.on('error', () => {});
      resolve({
        body: () => new Promise((done) => (res.complete ? done(Buffer.concat(chunks).toString()) : res.once('end', () => done(Buffer.concat(chunks).toString())))),
        status: res.statusCode ?? 0,
        retryAfter: (res.headers['retry-after'] as string | undefined) ?? null,
        res,
        req,
        close: () =>
          new Promise<void>((done) => {
            if (res.destroyed) return done();
            res.once('close', () => done());
            req.destroy();
          }),
      });
    });
    req.setTimeout(5_000, () => req.destroy(new Error(`${method} /v1/sync/hints: no headers in 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

describe('hint streams are capped per user and per desk across API nodes; HEAD answers at once', () => {
  let api: ApiNodes;
  let token: string;
  const open: Opened[] = [];

  beforeAll(async () => {
    api = await startApiNodes(2, { HINT_STREAMS_PER_USER: String(PER_USER), HINT_STREAMS_PER_DESK: String(PER_DESK) });
    token = await api.tokenFor(CLINICIAN_SOUTH);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(open.map((o) => o.close()));
    await api.close();
  });

  const streamsInDb = async () => Number((await api.nodes[0]!.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM hint_stream'))[0]!.n);

  it('refuses a user’s stream over the cap on either node (429 with Retry-After), and takes one again once a stream ends', async () => {
    // Streams spread over both nodes, each from its own desk.
    for (let i = 0; i < PER_USER; i++) {
      const s = await openStream(api.urls[i % 2]!, token, `desk-${i}`);
      open.push(s);
      expect(s.status).toBe(200);
    }
    expect(await streamsInDb()).toBe(PER_USER);
    for (const url of api.urls) {
      const over = await openStream(url, token, 'desk-extra');
      expect(over.status).toBe(429);
      expect(over.retryAfter).toMatch(/^\d+$/);
      expect(JSON.parse(await over.body())).toMatchObject({ error: 'too_many_streams', message: expect.stringMatching(/sign out of a desk/) });
      await over.close();
    }
    // The refused ones claimed nothing.
    expect(await streamsInDb()).toBe(PER_USER);

    // Another user is not affected by this one's streams.
    const other = await openStream(api.urls[1]!, await api.tokenFor({ ...CLINICIAN_SOUTH, userId: 'clinician2.south', teamId: 'demo-south-night' }), 'desk-9');
    expect(other.status).toBe(200);
    await other.close();

    await open.shift()!.close();
    await expect.poll(streamsInDb, { timeout: 5_000 }).toBe(PER_USER - 1);
    const again = await openStream(api.urls[1]!, token, 'desk-again');
    open.push(again);
    expect(again.status).toBe(200);
    await Promise.all(open.splice(0).map((o) => o.close()));
    await expect.poll(streamsInDb, { timeout: 5_000 }).toBe(0);
  });

  it('keeps a desk to its share: a newer stream of the desk ends its oldest, on this node at once and on another at its next heartbeat', { timeout: 90_000 }, async () => {
    const ended = (o: Opened) => new Promise<void>((resolve) => (o.res.complete || o.res.destroyed ? resolve() : o.res.once('end', () => resolve())));
    const a = await openStream(api.urls[0]!, token, 'desk-same');
    const b = await openStream(api.urls[1]!, token, 'desk-same');
    open.push(a, b);
    expect([a.status, b.status]).toEqual([200, 200]);
    // A third from the same desk (it reconnected; its first connection is dead to it): the oldest, on this node, ends.
    const c = await openStream(api.urls[0]!, token, 'desk-same');
    open.push(c);
    expect(c.status).toBe(200);
    await ended(a);
    expect(await streamsInDb()).toBe(PER_DESK);
    // Again on node 0: now the oldest (b) is on node 1, which ends it when its heartbeat finds the row gone.
    const d = await openStream(api.urls[0]!, token, 'desk-same');
    open.push(d);
    expect(d.status).toBe(200);
    await ended(b);
    expect(await streamsInDb()).toBe(PER_DESK);

    await Promise.all(open.splice(0).map((o) => o.close()));
    await expect.poll(streamsInDb, { timeout: 5_000 }).toBe(0);

    // A client that names no desk counts by its token: one token keeps PER_DESK streams, however many it opens.
    const byToken: Opened[] = [];
    for (let i = 0; i < PER_DESK + 3; i++) byToken.push(await openStream(api.urls[i % 2]!, token));
    open.push(...byToken);
    expect(byToken.every((o) => o.status === 200)).toBe(true);
    await expect.poll(streamsInDb, { timeout: 5_000 }).toBe(PER_DESK);
    await Promise.all(open.splice(0).map((o) => o.close()));
    await expect.poll(streamsInDb, { timeout: 5_000 }).toBe(0);
  });

  it('answers HEAD at once with the stream’s headers, holding nothing open', async () => {
    for (const url of api.urls) {
      const head = await openStream(url, token, 'desk-head', 'HEAD');
      expect(head.status).toBe(200);
      expect(head.res.headers['content-type']).toMatch(/text\/event-stream/);
      // The answer is complete: the connection ends without the client closing it.
      await new Promise<void>((resolve) => (head.res.complete ? resolve() : head.res.once('end', () => resolve())));
      await head.close();
    }
    expect(await streamsInDb()).toBe(0);
    // Without a token HEAD is refused like GET.
    const anonymous = await openStream(api.urls[0]!, 'not-a-token', undefined, 'HEAD');
    expect(anonymous.status).toBe(401);
    await anonymous.close();
  });

  it('stops counting the streams of a node that died once they go stale', async () => {
    // As a node killed mid-stream leaves them: rows nobody refreshes any more.
    const db = api.nodes[0]!.deps.db;
    for (let i = 0; i < PER_USER; i++) {
      await db.query("INSERT INTO hint_stream (id, user_id, desk, node, seen_at) VALUES (gen_random_uuid(), 'clinician.south', $1, 'dead-node', now() - interval '10 minutes')", [`ghost-${i}`]);
    }
    const s = await openStream(api.urls[1]!, token, 'desk-after-crash');
    expect(s.status).toBe(200);
    await s.close();
    await expect.poll(streamsInDb, { timeout: 5_000 }).toBe(0);
  });
});
