import type { IncomingMessage } from 'node:http';

/*
 * The browser host listens on 127.0.0.1 only and must not be reachable by any web page the user
 * visits (DNS rebinding, cross-site WebSocket, a page served by another program on another port
 * of this machine) nor by another user on the machine. Every request must:
 *  - name this host exactly (Host: 127.0.0.1:port or localhost:port);
 *  - come from this origin, port included, whenever the browser says where it comes from
 *    (Origin; Sec-Fetch-Site): another port of 127.0.0.1 is "same-site" to Chromium but another
 *    origin here. Only top-level navigations may come from elsewhere (a person opening the
 *    printed address, the identity provider sending the browser back), and they reach only the
 *    screen's static files and the sign-in routes, which carry no data and bind themselves;
 *  - hold this tab's session (host-access.ts) for anything else: the contract's WebSocket (in its
 *    protocol list, as browsers cannot set headers there) and other routes (a header). No cookie:
 *    a cookie of 127.0.0.1 goes to every port of it.
 */

/** The header that carries a tab's session on HTTP requests from the screen. */
export const SESSION_HEADER = 'x-crisis-desk-session';
/** The WebSocket subprotocol the screen asks for (the one the host answers with). */
export const CONTRACT_PROTOCOL = 'crisis-desk';
/** The WebSocket subprotocol that carries the tab's session: `crisis-desk.session.<session>`. */
export const SESSION_PROTOCOL_PREFIX = 'crisis-desk.session.';

export type GuardVerdict = { ok: true } | { ok: false; status: number; reason: string };

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function ownOrigins(port: number): string[] {
  return allowedHosts(port).map((h) => `http://${h}`);
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** A top-level navigation of the browser (a typed or opened address, a link, a redirect back from sign-in). */
export function isNavigation(req: IncomingMessage): boolean {
  const mode = header(req, 'sec-fetch-mode');
  const dest = header(req, 'sec-fetch-dest');
  // Browsers without Fetch Metadata send neither: their GETs are judged by Origin and the session.
  if (mode === undefined && dest === undefined) return req.method === 'GET' || req.method === 'HEAD';
  return mode === 'navigate' && (dest === undefined || dest === 'document');
}

/**
 * Host and origin, for every request and the WebSocket. `requireOrigin`: the request must say it
 * comes from this origin (state-changing requests, the WebSocket). `navigationFromAnywhere`: a
 * top-level navigation may come from another site (the printed address, the provider's redirect).
 */
export function checkOrigin(req: IncomingMessage, port: number, opts: { requireOrigin: boolean; navigationFromAnywhere?: boolean }): GuardVerdict {
  if (!allowedHosts(port).includes(req.headers.host ?? '')) return { ok: false, status: 421, reason: 'wrong host' };
  const origin = header(req, 'origin');
  if (origin !== undefined ? !ownOrigins(port).includes(origin) : opts.requireOrigin) return { ok: false, status: 403, reason: 'foreign origin' };
  const site = header(req, 'sec-fetch-site');
  const fromHere = site === undefined || site === 'same-origin' || site === 'none';
  if (!fromHere && !(opts.navigationFromAnywhere && isNavigation(req))) return { ok: false, status: 403, reason: 'foreign origin' };
  return { ok: true };
}

/** The tab session a request carries: the header, or the WebSocket's protocol list. */
export function sessionOf(req: IncomingMessage): string | undefined {
  const fromHeader = header(req, SESSION_HEADER);
  if (fromHeader) return fromHeader;
  for (const p of (header(req, 'sec-websocket-protocol') ?? '').split(',')) {
    const name = p.trim();
    if (name.startsWith(SESSION_PROTOCOL_PREFIX)) return name.slice(SESSION_PROTOCOL_PREFIX.length);
  }
  return undefined;
}
