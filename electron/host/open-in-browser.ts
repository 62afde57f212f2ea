import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/*
 * Opens an address with a one-time code in the person's default browser without putting the code
 * on a command line, where every user of the computer can read it (ps, /proc) and race the browser
 * to it: the opener is given a file, readable by this user only, that sends the browser on to the
 * address (as Jupyter does). The file is overwritten by the next one; the code in it works once.
 */

export const OPEN_FILE = 'open-crisis-desk.html';

/** Writes the redirect file for `url` into `dir` (0600) and returns its path. */
export function writeOpenFile(dir: string, url: string): string {
  const file = path.join(dir, OPEN_FILE);
  const escaped = url.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  writeFileSync(
    file,
    `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${escaped}"><title>Opening Crisis Desk</title></head>` +
      `<body><p><a href="${escaped}">Open Crisis Desk</a></p></body></html>\n`,
    { mode: 0o600 },
  );
  chmodSync(file, 0o600);
  return file;
}

/** The program that opens a file in the person's default browser on this platform. */
export function browserOpener(platform: NodeJS.Platform = process.platform): string {
  return platform === 'darwin' ? 'open' : platform === 'win32' ? 'explorer' : 'xdg-open';
}

/** Opens `url` through a redirect file in `dir`; failures (no desktop, no opener) are ignored: the address is printed too. */
export function openInBrowser(dir: string, url: string): void {
  const file = writeOpenFile(dir, url);
  spawn(browserOpener(), [file], { stdio: 'ignore', detached: true }).on('error', () => {}).unref();
}
