import { existsSync } from 'node:fs';
import path from 'node:path';
import { freshAddress, HOST_ACCESS_FILE, loadHostAccess } from '../electron/host/host-access';

/*
 * A fresh address for a browser host that is running on this computer (`./desk open`, and Enter in
 * `./desk start`'s terminal): a person who closed the desk's tab, or wants it in another browser,
 * gets back in without reading any file. The address carries a one-time code made from the desk's
 * kept secret (electron/host/host-access.ts): it opens one tab, once, within CODE_TTL_MS.
 */

/** The desk folder of a data folder: `./desk start`'s (which holds desk/) or the host's own. */
export function deskFolderOf(dataDir: string): string {
  return existsSync(path.join(dataDir, HOST_ACCESS_FILE)) ? dataDir : path.join(dataDir, 'desk');
}

export type FreshAddress = { ok: true; url: string; deskDir: string } | { ok: false; message: string };

/** Whether a browser host answers at the port (it answers /session without a session with 401 no_session). */
async function hostAnswers(port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/session`, { signal: AbortSignal.timeout(3000) });
    return r.status === 401 && ((await r.json()) as { error?: string }).error === 'no_session';
  } catch {
    return false;
  }
}

export async function freshDeskAddress(dataDir: string): Promise<FreshAddress> {
  const deskDir = deskFolderOf(dataDir);
  if (!existsSync(path.join(deskDir, HOST_ACCESS_FILE))) {
    return { ok: false, message: `No Crisis Desk has run in your browser with the data folder ${dataDir}: start it with ./desk start (it prints the address to open).` };
  }
  const access = loadHostAccess(deskDir);
  if (access.port === 0 || !(await hostAnswers(access.port))) {
    return { ok: false, message: `Crisis Desk is not running at http://127.0.0.1:${access.port || '…'}: start it with ./desk start (it prints the address to open).` };
  }
  return { ok: true, url: freshAddress(access), deskDir };
}
