import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Core } from '../core/core';
import { serveChannel, type Channel } from '../core/transport/serve-channel';
import { checkOpenCode, CodeLedger, isTabSession, newOpenCode, newSecret, newTabSession, openAddress, type HostAccess } from './host-access';
import { DOWNLOAD_ROUTE } from './export-routes';
import { checkOrigin, CONTRACT_PROTOCOL, sessionOf, type GuardVerdict } from './request-guard';
import { serveFile } from './static-files';

/** A route beside the screen's files: answers true when it handled the request. */
export type HostRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;

export interface BrowserHostOptions {
  core: Core;
  /** The built renderer (index.html and assets/). */
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** When `port` is taken by another program, take a free one instead of failing (the host's address then changes). */
  anyPortIfTaken?: boolean;
  /** The desk's secret (host-access.ts keeps it across restarts); a new one when absent. */
  secret?: string;
  /** Which start of the host this is (host-access.ts counts them): codes of earlier starts do not work. */
  launch?: number;
  /**
   * The sign-in routes (/auth/…): reached by top-level navigations that carry no tab session — the
   * screen opening the sign-in page, the identity provider sending the browser back, perhaps from
   * another site — so each binds its requests itself (a one-time ticket, the sign-in's state).
   */
  signInRoutes?: HostRoute;
  /** Extra routes. Run after the request passed the guard: this origin, holding a tab session (SESSION_HEADER). */
  extraRoutes?: HostRoute;
  /**
   * Files made for a tab, fetched by the browser's own download (/downloads/…), which cannot carry
   * the session header: from this origin only (never a navigation from another site), and each
   * binds itself by its one-time link (export-routes.ts).
   */
  downloadRoutes?: HostRoute;
}

export interface BrowserHost {
  /** An address to open now: this host with a one-time code. */
  url: string;
  /** This host's origin (what open tabs are at). */
  origin: string;
  port: number;
  secret: string;
  launch: number;
  /** Another one-time address (each works once). */
  newAddress(): string;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
const MAX_SESSION_BODY_BYTES = 1024;

function securityHeaders(port: number): Record<string, string> {
  const sockets = [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`].join(' ');
  return {
    'content-security-policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src 'self' ${sockets}`,
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

const HOW_TO_OPEN = 'Open Crisis Desk from a fresh address: press Enter in the terminal where it runs (./desk start), or run ./desk open.';

function refuse(res: ServerResponse, status: number, reason: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`Refused (${reason}). ${HOW_TO_OPEN}\n`);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(JSON.stringify(body));
}

function readSmallBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        resolve(null);
        req.resume();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
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
 * loopback WebSocket. Binds to 127.0.0.1 only; every request must name this host and come from
 * this origin (request-guard.ts); the contract and the extra routes need a tab session, which a
 * tab gets for a one-time code (host-access.ts).
 */
export async function startBrowserHost(opts: BrowserHostOptions): Promise<BrowserHost> {
  const secret = opts.secret ?? newSecret();
  const launch = opts.launch ?? 1;
  const codes = new CodeLedger();
  const server: Server = createServer();
  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: (offered) => (offered.has(CONTRACT_PROTOCOL) ? CONTRACT_PROTOCOL : false),
  });
  let port = 0;
  const access = (): HostAccess => ({ port, secret, launch });
  const holdsSession = (req: IncomingMessage) => isTabSession(access(), sessionOf(req));

  /** POST /session {code}: a good, unused code buys this tab its session. GET /session: is this one still good? */
  async function sessionRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET') return void (holdsSession(req) ? json(res, 200, { ok: true }) : json(res, 401, { error: 'no_session', message: HOW_TO_OPEN }));
    if (req.method !== 'POST') return json(res, 405, { error: 'method_not_allowed', message: 'GET or POST.' });
    const text = await readSmallBody(req, MAX_SESSION_BODY_BYTES);
    let code: unknown;
    try {
      code = text === null ? undefined : (JSON.parse(text) as { code?: unknown }).code;
    } catch {
      code = undefined;
    }
    if (typeof code !== 'string') return json(res, 400, { error: 'invalid_params', message: 'Send {"code": "…"} with the code from the address.' });
    const check = checkOpenCode(access(), code);
    if (!check.ok || !codes.take(check)) {
      const why = !check.ok && check.reason === 'expired' ? 'This address has expired' : 'This address has been used already, or is not for this desk';
      return json(res, 403, { error: 'code_refused', message: `${why}: each address Crisis Desk gives opens one tab, once. ${HOW_TO_OPEN}` });
    }
    json(res, 200, { session: newTabSession(access()) });
  }

  server.on('request', (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      const signIn = url.pathname.startsWith('/auth/');
      const download = url.pathname.startsWith(DOWNLOAD_ROUTE);
      const staticGet = (req.method === 'GET' || req.method === 'HEAD') && url.pathname !== '/session' && !download;
      const verdict: GuardVerdict = checkOrigin(req, port, {
        requireOrigin: !(req.method === 'GET' || req.method === 'HEAD'),
        // The printed address and the provider's redirect come as top-level navigations from anywhere; they reach no data.
        navigationFromAnywhere: staticGet && (signIn || !url.pathname.startsWith('/assets/')),
      });
      if (!verdict.ok) return refuse(res, verdict.status, verdict.reason);
      const headers = securityHeaders(port);
      if (url.pathname === '/session') return sessionRoute(req, res);
      if (signIn) {
        if (opts.signInRoutes && (await opts.signInRoutes(req, res, url))) return;
        return refuse(res, 404, 'not found');
      }
      if (download) {
        if (opts.downloadRoutes && (await opts.downloadRoutes(req, res, url))) return;
        return refuse(res, 404, 'not found');
      }
      if (opts.extraRoutes && holdsSession(req) && (await opts.extraRoutes(req, res, url))) return;
      // The screen's files carry no data (everything comes over the contract): served to any tab of this origin.
      if (staticGet && serveFile(opts.rendererDir, url.pathname, res, headers)) return;
      // Client-side routes fall back to the app shell.
      if (req.method === 'GET' && !url.pathname.startsWith('/assets/') && serveFile(opts.rendererDir, '/', res, headers)) return;
      if (staticGet || holdsSession(req)) return refuse(res, 404, 'not found');
      refuse(res, 403, 'no session');
    })().catch(() => {
      if (!res.headersSent) refuse(res, 500, 'host error');
      else res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let verdict = checkOrigin(req, port, { requireOrigin: true });
    if (verdict.ok && !holdsSession(req)) verdict = { ok: false, status: 403, reason: 'no session' };
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
  const newAddress = () => openAddress(port, newOpenCode(access()));

  return {
    url: newAddress(),
    origin: `http://127.0.0.1:${port}`,
    port,
    secret,
    launch,
    newAddress,
    async close() {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
