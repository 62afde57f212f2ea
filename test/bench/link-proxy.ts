import { createServer, connect, type Server, type Socket } from 'node:net';

/*
 * A constrained network link between a desk and its server, on 127.0.0.1: a TCP proxy that, each
 * way, holds every chunk for half the round trip (propagation) and then lets it out no faster than
 * the link's rate (serialisation, a token bucket one chunk deep), counting the bytes that crossed.
 * TCP itself runs over it unchanged (keep-alive, request pipelining, backpressure), so a protocol
 * that needs many round trips pays for each of them, as it would on a trust's network.
 *
 * No npm package does this: `throttle` and `stream-throttle` pace one stream's bytes but add no
 * latency and have not been released since 2014; toxiproxy needs its own server binary.
 */

export interface LinkOptions {
  /** Bits per second, each way. */
  bitsPerSecond: number;
  /** Round-trip time added, in ms (half each way). */
  rttMs: number;
}

/** Slices larger than this are paced one by one, so that a big write does not leave at once. */
const SLICE = 16 * 1024;
/** Bytes held per direction before the sender is paused: about four times the link's bandwidth-delay product at 20 Mbit/s and 40 ms. */
const HOLD = 512 * 1024;

/** One direction of the link. */
class Lane {
  private readonly queue: { at: number; data: Buffer }[] = [];
  private held = 0;
  private freeAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private ended = false;
  bytes = 0;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly bytesPerMs: number,
    private readonly delayMs: number,
    private readonly counted: (n: number) => void,
  ) {
    from.on('data', (chunk: Buffer) => {
      const at = performance.now() + delayMs;
      for (let i = 0; i < chunk.length; i += SLICE) this.queue.push({ at, data: chunk.subarray(i, i + SLICE) });
      this.held += chunk.length;
      if (this.held > HOLD) from.pause();
      this.pump();
    });
    from.on('end', () => {
      this.ended = true;
      this.pump();
    });
  }

  private pump(): void {
    if (this.timer) return;
    for (;;) {
      const head = this.queue[0];
      if (!head) {
        if (this.ended && !this.to.destroyed) this.to.end();
        return;
      }
      const now = performance.now();
      const sendAt = Math.max(head.at, this.freeAt);
      if (sendAt > now + 1) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.pump();
        }, sendAt - now);
        return;
      }
      this.queue.shift();
      this.freeAt = Math.max(sendAt, this.freeAt) + head.data.length / this.bytesPerMs;
      this.held -= head.data.length;
      this.bytes += head.data.length;
      this.counted(head.data.length);
      if (!this.to.destroyed) this.to.write(head.data);
      if (this.held <= HOLD / 2 && this.from.isPaused()) this.from.resume();
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

/** A link to one server; `up` counts desk → server bytes, `down` server → desk (TCP payload: HTTP headers and bodies). */
export class LinkProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  up = 0;
  down = 0;

  constructor(
    private readonly target: { host: string; port: number },
    private readonly link: LinkOptions,
  ) {}

  async start(): Promise<string> {
    const bytesPerMs = this.link.bitsPerSecond / 8 / 1000;
    const delay = this.link.rttMs / 2;
    // Half-open connections pass through as such: a client that ends its side after its request
    // (PouchDB's does) still gets the answer.
    this.server = createServer({ allowHalfOpen: true }, (desk) => {
      // A new connection costs its handshake's round trip before the first request crosses.
      desk.pause();
      const server = connect({ port: this.target.port, host: this.target.host, allowHalfOpen: true });
      for (const s of [desk, server]) {
        s.setNoDelay(true);
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          desk.destroy();
          server.destroy();
        });
      }
      const lanes: Lane[] = [];
      const stop = () => lanes.forEach((l) => l.stop());
      desk.on('close', stop);
      server.on('close', stop);
      setTimeout(() => {
        if (desk.destroyed || server.destroyed) return;
        lanes.push(new Lane(desk, server, bytesPerMs, delay, (n) => (this.up += n)), new Lane(server, desk, bytesPerMs, delay, (n) => (this.down += n)));
        desk.resume();
      }, this.link.rttMs);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** Bytes each way since the last reset. */
  reset(): void {
    this.up = 0;
    this.down = 0;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
