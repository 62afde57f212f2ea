import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileDurably } from '../node/durable-file';

/*
 * How a browser tab gets into the browser host, in one place (request-guard.ts checks each request
 * against it). A probe found the old way leaked: the per-desk secret lived in a cookie, and
 * Chromium sends a 127.0.0.1 cookie to every port on 127.0.0.1, so any other local web server the
 * clinician's browser visited received it, and with a forged Origin opened the contract.
 *
 *  - The desk's secret never leaves this machine's files and processes: host-access.json in the
 *    data folder (readable by this user only) keeps it with the port, so a restarted host comes
 *    back at the same address and open tabs reconnect.
 *  - A person opens the desk with a **one-time code** in the address (`/?code=…`): it works once,
 *    for CODE_TTL_MS, at this port, for this launch of the host only. It is made from the secret,
 *    so the host, `./desk open` and `./desk start`'s "press Enter" make one without talking to each
 *    other; the host remembers the ones used.
 *  - The screen exchanges the code (POST /session, from its own origin) for a **tab session**, which
 *    it keeps in sessionStorage — which belongs to that tab and that origin, port included — and
 *    sends only to this host, explicitly: in the WebSocket's protocol list, or a header. Nothing is
 *    in a cookie, so no other origin gets anything. A tab session is made from the secret and the
 *    port, so it outlives a restart of the host at the same address and dies with a new secret.
 */

export const HOST_ACCESS_FILE = 'host-access.json';

/** How long a printed or opened address works (it works once). */
export const CODE_TTL_MS = 15 * 60_000;

export interface HostAccess {
  /** 0 until the host has listened once. */
  port: number;
  secret: string;
  /** Which start of the host this is: codes made for an earlier one no longer work. */
  launch: number;
}

const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const CODE_PATTERN = /^([1-9]\d{0,9})\.([1-9]\d{0,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;
const SESSION_PATTERN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function mac(secret: string, ...parts: (string | number)[]): string {
  return createHmac('sha256', secret).update(parts.join('\n')).digest('base64url');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A one-time code for the tab a person opens now (valid until now + ttlMs, for this port and launch). */
export function newOpenCode(access: HostAccess, now = Date.now(), ttlMs = CODE_TTL_MS): string {
  const expires = Math.ceil((now + ttlMs) / 1000);
  const nonce = randomBytes(16).toString('base64url');
  return `${access.launch}.${expires}.${nonce}.${mac(access.secret, 'open', access.port, access.launch, expires, nonce)}`;
}

export type CodeCheck = { ok: true; nonce: string; expiresAt: number } | { ok: false; reason: 'expired' | 'not_this_desk' };

/** Whether a code was made for this host (port, launch) and is still in time; single use is the caller's (CodeLedger). */
export function checkOpenCode(access: HostAccess, code: string, now = Date.now()): CodeCheck {
  const m = CODE_PATTERN.exec(code);
  if (!m) return { ok: false, reason: 'not_this_desk' };
  const [, launch, expires, nonce, sig] = m as unknown as [string, string, string, string, string];
  if (!same(sig, mac(access.secret, 'open', access.port, Number(launch), Number(expires), nonce)) || Number(launch) !== access.launch) return { ok: false, reason: 'not_this_desk' };
  const expiresAt = Number(expires) * 1000;
  if (expiresAt <= now) return { ok: false, reason: 'expired' };
  return { ok: true, nonce, expiresAt };
}

/** The codes this launch of the host has taken, until they would have expired anyway. */
export class CodeLedger {
  private readonly used = new Map<string, number>();

  /** True the first time a (checked) code is taken; false ever after. */
  take(check: Extract<CodeCheck, { ok: true }>, now = Date.now()): boolean {
    for (const [nonce, expiresAt] of this.used) if (expiresAt <= now) this.used.delete(nonce);
    if (this.used.has(check.nonce)) return false;
    this.used.set(check.nonce, check.expiresAt);
    return true;
  }
}

/** A tab session for the tab that just gave a good code. */
export function newTabSession(access: Pick<HostAccess, 'port' | 'secret'>): string {
  const id = randomBytes(16).toString('base64url');
  return `${id}.${mac(access.secret, 'tab', access.port, id)}`;
}

/** Whether a tab session was made by this desk for this port. */
export function isTabSession(access: Pick<HostAccess, 'port' | 'secret'>, session: string | undefined | null): boolean {
  const m = session ? SESSION_PATTERN.exec(session) : null;
  return m !== null && same(m[2]!, mac(access.secret, 'tab', access.port, m[1]!));
}

/** The address a person opens: this host, and a one-time code the screen exchanges for its tab session. */
export function openAddress(port: number, code: string): string {
  return `http://127.0.0.1:${port}/?code=${code}`;
}

/** A fresh address for this desk as kept in its data folder (what `./desk open` and the supervisor print). */
export function freshAddress(access: HostAccess, now = Date.now()): string {
  return openAddress(access.port, newOpenCode(access, now));
}

/**
 * The kept port, secret and launch, or a new secret (port 0) when there are none. A file that
 * cannot be read as one is reported and replaced: that only costs open tabs their session, never data.
 */
export function loadHostAccess(dataDir: string, warn: (message: string) => void = () => {}): HostAccess {
  const file = path.join(dataDir, HOST_ACCESS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') warn(`Could not read ${file} (${(e as Error).message}): the desk gets a new address.`);
    return { port: 0, secret: newSecret(), launch: 0 };
  }
  try {
    const v = JSON.parse(text) as Partial<HostAccess>;
    const launch = v.launch === undefined ? 0 : v.launch; // kept by a version before launches were counted
    if (Number.isInteger(v.port) && v.port! > 0 && v.port! < 65536 && typeof v.secret === 'string' && SECRET_PATTERN.test(v.secret) && Number.isSafeInteger(launch) && launch >= 0) {
      return { port: v.port!, secret: v.secret, launch };
    }
  } catch {
    // reported below
  }
  warn(`${file} is not a saved desk address: the desk gets a new one.`);
  return { port: 0, secret: newSecret(), launch: 0 };
}

/** Keeps the port, secret and launch for the next start (never half written, readable by this user only). */
export function saveHostAccess(dataDir: string, access: HostAccess): void {
  writeFileDurably(path.join(dataDir, HOST_ACCESS_FILE), `${JSON.stringify(access)}\n`);
}
