import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerRefused, ServerUnreachable, SyncHttp } from './sync-http';

/*
 * SyncHttp's timeouts against a real HTTP server on loopback: `timeoutMs` bounds the wait for the
 * headers only; a body (the hints stream, a snapshot) may take as long as it likes while bytes keep
 * arriving, and fails only when it goes silent for idleTimeoutMs.
 */

const TIMEOUT_MS = 300;
const IDLE_MS = 600;

type Route = (req: IncomingMessage, res: ServerResponse) => void;
const routes: Record<string, Route> = {
  // Headers at once, then a line every 100 ms for 12 request-timeouts' worth, then the end.
  '/stream': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    let n = 0;
    const t = setInterval(() => {
      res.write(`line ${n++}\n`);
      if (n === 36) {
        clearInterval(t);
        res.end();
      }
    }, 100);
    res.on('close', () => clearInterval(t));
  },
  // Never answers.
  '/silent': () => {},
  // Headers, one line, then silence.
  '/stalls': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first\n');
  },
  // Headers just inside the timeout, then a slow JSON body: in all longer than the timeout, but
  // never silent for as long as the idle timeout (one 600 ms gap equal to it failed on a loaded machine).
  '/slow-json': (_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"ok":');
      setTimeout(() => res.write(' '), TIMEOUT_MS);
      setTimeout(() => res.end('true}'), TIMEOUT_MS * 2);
    }, TIMEOUT_MS / 3);
  },
  '/refuses': (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '7' });
    res.end(JSON.stringify({ error: 'maintenance', message: 'The server is being updated: back in a few minutes.' }));
  },
  '/refuses-garbled': (_req, res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end('<html>Bad gateway</html>');
  },
};

describe('SyncHttp timeouts', () => {
  let server: Server;
  let http: SyncHttp;

  beforeAll(async () => {
    server = createServer((req, res) => routes[req.url ?? '']?.(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    http = new SyncHttp({
      serverUrl: base,
      tokens: { accessToken: async () => 'token', renewAccessToken: async () => 'token', requestSignIn: () => null, requestSignOut: () => {}, releaseSession: () => {}, current: () => null, onSessionChanged: () => {} },
      timeoutMs: TIMEOUT_MS,
      idleTimeoutMs: IDLE_MS,
    });
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('a stream that outlives many request timeouts is read to its end while bytes keep coming', async () => {
    const res = await http.request('/stream');
    let text = '';
    for await (const chunk of http.bytes(res)) text += Buffer.from(chunk).toString();
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(36);
    expect(lines.at(-1)).toBe('line 35');
  });

  it('no headers within timeoutMs: unreachable, "no answer"', async () => {
    const e = await http.request('/silent').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ServerUnreachable);
    expect((e as Error).message).toMatch(/no answer/);
  });

  it('a body that goes silent fails after idleTimeoutMs, as unreachable', async () => {
    const res = await http.request('/stalls');
    const got: string[] = [];
    const e = await (async () => {
      for await (const chunk of http.bytes(res)) got.push(Buffer.from(chunk).toString());
    })().catch((x: unknown) => x);
    expect(got).toEqual(['first\n']);
    expect(e).toBeInstanceOf(ServerUnreachable);
    expect((e as Error).message).toMatch(/stopped sending/);
  });

  it('a JSON answer whose body takes longer than timeoutMs is still read', async () => {
    expect(await http.json('/slow-json', (v) => v)).toEqual({ ok: true });
  });

  it('a refusal carries the server’s status, code, message and Retry-After', async () => {
    const e = (await http.request('/refuses').catch((x: unknown) => x)) as ServerRefused;
    expect(e).toBeInstanceOf(ServerRefused);
    expect(e).toMatchObject({ status: 503, code: 'maintenance', message: 'The server is being updated: back in a few minutes.', retryAfterMs: 7000 });
  });

  it('a refusal without a JSON body still says what the server answered', async () => {
    const e = (await http.request('/refuses-garbled').catch((x: unknown) => x)) as ServerRefused;
    expect(e).toBeInstanceOf(ServerRefused);
    expect(e).toMatchObject({ status: 502, code: 'http_502', message: 'The server answered 502.' });
  });

  it('the caller’s own abort still ends a stream at once', async () => {
    const controller = new AbortController();
    const res = await http.request('/stream', { signal: controller.signal });
    const it = http.bytes(res)[Symbol.asyncIterator]();
    await it.next();
    controller.abort();
    await expect(it.next()).rejects.toBeInstanceOf(ServerUnreachable);
  });
});
