import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/*
 * An HTTP proxy between the desk and the server that misbehaves the way trust networks do:
 * connections dropped before or during an answer, answers cut short, delays and slow bodies,
 * bursts of 503, requests that hang until the desk gives up, and requests delivered twice (the
 * server sees a replay; the desk sees only the second answer).
 *
 * Given several servers it is also a load balancer: each request goes to the next in turn (or
 * where `pick` says), one that refuses the connection (stopped, killed) is passed over for the
 * next, and X-Forwarded-For gets the caller's address appended as a load balancer's would. A
 * duplicated request goes to two servers in turn, so the replay lands on another node.
 */

export const FAULTS = ['none', 'drop', 'reset_mid_body', 'delay', 'slow_body', 'status_503', 'hang', 'truncate', 'duplicate'] as const;
export type Fault = (typeof FAULTS)[number];

export interface ProxiedRequest {
  method: string;
  path: string;
}

export interface Upstream {
  host: string;
  port: number;
}

/** One request as the proxy passed it on: to which server (index), and what came back. */
export interface Forwarded extends ProxiedRequest {
  node: number;
  status: number;
  range: string | null;
}

export class FaultProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  readonly counts = new Map<Fault, number>();
  /** Decides each request's fault; 'none' passes it straight through. */
  choose: (req: ProxiedRequest) => Fault = () => 'none';
  /** How many of the servers (the first ones given) take requests; the others are out of rotation. */
  inRotation: number;
  /** Which server a request goes to first: round robin over those in rotation unless set. */
  pick: (req: ProxiedRequest) => number = () => this.turn++ % this.inRotation;
  /** Every request passed on, in order (kept only while `record` is true). */
  readonly forwarded: Forwarded[] = [];
  record = false;
  private turn = 0;
  private readonly targets: Upstream[];

  constructor(target: Upstream | Upstream[]) {
    this.targets = Array.isArray(target) ? target : [target];
    this.inRotation = this.targets.length;
  }

  async start(): Promise<number> {
    // The server can die mid-answer (the suite kills it): whatever breaks, the desk sees a cut connection.
    this.server = createServer((req, res) => void this.handle(req, res).catch(() => req.socket.destroy()));
    // Idle connections from desks are kept as a load balancer keeps them (a minute), not Node's 5 s.
    this.server.keepAliveTimeout = 65_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  /** Cuts every open connection (hung requests and event streams included). */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readAll(req).catch(() => null);
    if (body === null) return;
    const asked = { method: req.method ?? 'GET', path: req.url ?? '/' };
    const fault = this.choose(asked);
    this.counts.set(fault, (this.counts.get(fault) ?? 0) + 1);
    switch (fault) {
      case 'drop':
        return void req.socket.destroy();
      case 'hang':
        return; // Never answered: the desk's timeout must fire.
      case 'status_503':
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
        return void res.end(JSON.stringify({ error: 'unavailable', message: 'Injected outage.' }));
      case 'delay':
        await sleep(100 + Math.floor(Math.random() * 400));
        break;
      case 'duplicate': {
        const first = await this.forward(req, body).catch(() => null);
        first?.on('error', () => {}).resume();
        break;
      }
    }
    let upstream: IncomingMessage;
    try {
      upstream = await this.forward(req, body);
    } catch {
      return void req.socket.destroy();
    }
    // Hop-by-hop headers are the proxy's own (RFC 9110 §7.6.1): passing on the server's
    // `Keep-Alive: timeout=72` would have the desk reuse connections this proxy has closed.
    const { connection: _connection, 'keep-alive': _keepAlive, ...headers } = upstream.headers;
    if (fault === 'truncate') {
      // A clean end after half the body: only the answer's own structure can tell it is short.
      delete headers['content-length'];
      res.writeHead(upstream.statusCode ?? 502, headers);
      const all = await readAll(upstream).catch(() => Buffer.alloc(0));
      return void res.end(all.subarray(0, Math.floor(all.length / 2)));
    }
    res.writeHead(upstream.statusCode ?? 502, headers);
    if (fault === 'reset_mid_body') {
      upstream.once('data', (chunk: Buffer) => {
        res.write(chunk.subarray(0, Math.max(1, Math.floor(chunk.length / 2))), () => {
          upstream.destroy();
          req.socket.destroy();
        });
      });
      upstream.once('end', () => req.socket.destroy());
      return;
    }
    if (fault === 'slow_body') {
      for await (const chunk of upstream as AsyncIterable<Buffer>) {
        for (let i = 0; i < chunk.length; i += 16 * 1024) {
          if (!res.write(chunk.subarray(i, i + 16 * 1024))) await new Promise((r) => res.once('drain', r));
          await sleep(15);
        }
      }
      return void res.end();
    }
    upstream.pipe(res);
    res.on('close', () => upstream.destroy());
  }

  /** Sends the request to the server `pick` names, or, when that one refuses the connection, to the next that takes it. */
  private async forward(req: IncomingMessage, body: Buffer): Promise<IncomingMessage> {
    const asked = { method: req.method ?? 'GET', path: req.url ?? '/' };
    const first = this.pick(asked);
    let lastError: unknown;
    for (let k = 0; k < this.inRotation; k++) {
      const node = (first + k) % this.inRotation;
      try {
        const res = await this.send(node, req, body).catch((e: { code?: string; reused?: boolean }) => {
          // A kept-alive connection the server had just closed as idle: the request never reached it, so send it on a new one (Node's advice for reusedSocket).
          if (e.reused && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) return this.send(node, req, body, true);
          throw e;
        });
        if (this.record) this.forwarded.push({ ...asked, node, status: res.statusCode ?? 0, range: (req.headers.range as string | undefined) ?? null });
        return res;
      } catch (e) {
        lastError = e;
        // Only a refused connection is safe to try elsewhere: anything later may have reached the server.
        if ((e as { code?: string }).code !== 'ECONNREFUSED') break;
      }
    }
    throw lastError;
  }

  private send(node: number, req: IncomingMessage, body: Buffer, fresh = false): Promise<IncomingMessage> {
    const target = this.targets[node]!;
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    return new Promise((resolve, reject) => {
      const out = httpRequest(
        { ...(fresh ? { agent: false } : {}), host: target.host, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: `${target.host}:${target.port}`, 'x-forwarded-for': forwardedFor } },
        resolve,
      );
      out.on('error', (e) => reject(Object.assign(e, { reused: out.reusedSocket })));
      // An answer cut short by the server's death is an 'error' on the answer: end the desk's side.
      out.on('response', (r) => r.on('error', () => req.socket.destroy()));
      out.end(body);
    });
  }
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('end', () => resolve(Buffer.concat(parts)));
    stream.on('error', reject);
    stream.on('aborted', () => reject(new Error('aborted')));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
