import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Core } from '../core/core';
import { serveChannel, type Channel } from '../core/transport/serve-channel';
import { newSecret, openAddress } from './host-access';
import { checkRequest, querySecret, SESSION_COOKIE } from './request-guard';
import { serveFile } from './static-files';

export interface BrowserHostOptions {
  core: Core;
  /** The built renderer (index.html and assets/). */
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** When `port` is taken by another program, take a free one instead of failing (the host's address then changes). */
  anyPortIfTaken?: boolean;
  /** The secret a tab must hold (host-access.ts keeps it across restarts); a new one when absent. */
  secret?: string;
  /** Extra routes (sign-in); answer true when handled. Runs after the request passed the guard. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;
}

export interface BrowserHost {
  /** The URL to open, with the secret. */
  url: string;
  port: number;
  secret: string;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

function securityHeaders(port: number): Record<string, string> {
  const sockets = [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`].join(' ');
  return {
    'content-security-policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src ${sockets}`,
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  };
}

function refuse(res: ServerResponse, status: number, reason: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`Refused (${reason}). Open Crisis Desk from the address it printed when it started.\n`);
}

function websocketChannel(socket: WebSocket): Channel {
  return {
    send: (m) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(m));
    },
    onMessage: (listener) =>
      socket.on('message', (data) => {
        try {
          listener(JSON.parse(String(data)));
        } catch {
          socket.close(1007, 'not JSON');
        }
      }),
  };
}

/**
 * Runs the desk's screen in an ordinary browser: serves the built renderer and the contract over a
 * loopback WebSocket. Binds to 127.0.0.1 only; every request must carry the per-launch secret and
 * name this host; the WebSocket must also come from this origin.
 */
export async function startBrowserHost(opts: BrowserHostOptions): Promise<BrowserHost> {
  const secret = opts.secret ?? newSecret();
  const server: Server = createServer();
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  let port = 0;

  server.on('request', (req, res) => {
    void (async () => {
      const verdict = checkRequest(req, { port, secret }, { requireOrigin: req.method !== 'GET' && req.method !== 'HEAD' });
      if (!verdict.ok) return refuse(res, verdict.status, verdict.reason);
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      const headers = securityHeaders(port);
      if (querySecret(req)) {
        // First load: move the secret from the address bar into a cookie only this origin sends.
        res.writeHead(303, { ...headers, location: '/', 'set-cookie': `${SESSION_COOKIE}=${secret}; HttpOnly; SameSite=Strict; Path=/`, 'cache-control': 'no-store' });
        return res.end();
      }
      if (opts.extraRoutes && (await opts.extraRoutes(req, res, url))) return;
      if ((req.method === 'GET' || req.method === 'HEAD') && serveFile(opts.rendererDir, url.pathname, res, headers)) return;
      // Client-side routes fall back to the app shell.
      if (req.method === 'GET' && !url.pathname.startsWith('/assets/') && serveFile(opts.rendererDir, '/', res, headers)) return;
      refuse(res, 404, 'not found');
    })().catch(() => {
      if (!res.headersSent) refuse(res, 500, 'host error');
      else res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const verdict = checkRequest(req, { port, secret }, { requireOrigin: true });
    if (!verdict.ok || new URL(req.url ?? '/', 'http://host').pathname !== '/contract') {
      socket.end(`HTTP/1.1 ${verdict.ok ? 404 : verdict.status} Refused\r\nConnection: close\r\n\r\n`);
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      const stop = serveChannel(opts.core, websocketChannel(ws));
      ws.on('close', stop);
    });
  });

  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => {
      const failed = (e: Error) => reject(e);
      server.once('error', failed);
      server.listen(at, '127.0.0.1', () => {
        server.off('error', failed);
        resolve();
      });
    });
  try {
    await listen(opts.port ?? 0);
  } catch (e) {
    if (!(opts.anyPortIfTaken && (e as NodeJS.ErrnoException).code === 'EADDRINUSE')) throw e;
    await listen(0);
  }
  port = (server.address() as { port: number }).port;

  return {
    url: openAddress(port, secret),
    port,
    secret,
    async close() {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
