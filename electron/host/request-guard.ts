import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/*
 * The browser host listens on 127.0.0.1 only and must not be reachable by any web page the user
 * visits (DNS rebinding, cross-site WebSocket) nor by another user on the machine: every request
 * must name our host exactly, come from our own origin when it can carry one, and hold the
 * per-launch secret (in the URL once, then in an HttpOnly, SameSite=Strict cookie).
 */

export const SESSION_COOKIE = 'crisis_desk_session';

export interface GuardConfig {
  port: number;
  secret: string;
}

export type GuardVerdict = { ok: true } | { ok: false; status: number; reason: string };

function sameSecret(candidate: string | undefined, secret: string): boolean {
  if (!candidate) return false;
  const a = Buffer.from(candidate);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function cookieSecret(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=');
  }
  return undefined;
}

/** The secret in the query string (?k=…), used only by the first page load. */
export function querySecret(req: IncomingMessage): string | undefined {
  return new URL(req.url ?? '/', 'http://host').searchParams.get('k') ?? undefined;
}

export function checkRequest(req: IncomingMessage, cfg: GuardConfig, { requireOrigin }: { requireOrigin: boolean }): GuardVerdict {
  if (!allowedHosts(cfg.port).includes(req.headers.host ?? '')) return { ok: false, status: 421, reason: 'wrong host' };
  const origin = req.headers.origin;
  const ownOrigins = allowedHosts(cfg.port).map((h) => `http://${h}`);
  if (origin !== undefined ? !ownOrigins.includes(origin) : requireOrigin) return { ok: false, status: 403, reason: 'foreign origin' };
  if (!sameSecret(cookieSecret(req), cfg.secret) && !sameSecret(querySecret(req), cfg.secret)) return { ok: false, status: 403, reason: 'no session' };
  return { ok: true };
}
