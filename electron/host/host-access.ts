import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/*
 * How a browser tab gets into the browser host, in one place: the per-desk secret the host checks
 * on every request (request-guard.ts), the address that carries it the first time, and where both
 * are kept. They are kept in the desk's data folder (host-access.json, readable by this user only)
 * so that the host comes back at the same address with the same secret after it is restarted —
 * by `./desk start`'s supervisor after a crash, or by hand — and an open tab, holding the secret in
 * its cookie, reconnects by itself and carries on with what is on its screen.
 *
 * The secret travels on the printed address (and so on the command line of whatever opens it)
 * once; a later change is to replace that with a one-time code exchanged for a session. Everything
 * that would change for that lives here and in request-guard.ts.
 */

export const HOST_ACCESS_FILE = 'host-access.json';

export interface HostAccess {
  /** 0 until the host has listened once. */
  port: number;
  secret: string;
}

const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The address a person opens: it carries the secret, which the host then moves into a cookie. */
export function openAddress(port: number, secret: string): string {
  return `http://127.0.0.1:${port}/?k=${secret}`;
}

/**
 * The kept port and secret, or a new secret (port 0) when there are none. A file that cannot be
 * read as one is reported and replaced: that only costs open tabs their address, never data.
 */
export function loadHostAccess(dataDir: string, warn: (message: string) => void = () => {}): HostAccess {
  const file = path.join(dataDir, HOST_ACCESS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') warn(`Could not read ${file} (${(e as Error).message}): the desk gets a new address.`);
    return { port: 0, secret: newSecret() };
  }
  try {
    const v = JSON.parse(text) as Partial<HostAccess>;
    if (Number.isInteger(v.port) && v.port! > 0 && v.port! < 65536 && typeof v.secret === 'string' && SECRET_PATTERN.test(v.secret)) return { port: v.port!, secret: v.secret };
  } catch {
    // reported below
  }
  warn(`${file} is not a saved desk address: the desk gets a new one.`);
  return { port: 0, secret: newSecret() };
}

/** Keeps the port and secret for the next start (temporary file and rename: never half written). */
export function saveHostAccess(dataDir: string, access: HostAccess): void {
  const file = path.join(dataDir, HOST_ACCESS_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(access)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
