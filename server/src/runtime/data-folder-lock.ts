import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/*
 * PGlite keeps no lock of its own on its folder (its postmaster.pid names no real process), so two
 * processes could open the same one — the demo server restarted by `./desk start` while someone
 * runs it by hand with the command it printed, or the directory CLI beside a running server — and
 * corrupt it. One process at a time holds this lock; a lock left by a process that has died is
 * taken over.
 */

export const LOCK_FILE = 'crisis-desk.lock';

export class DataFolderInUse extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`${dir} is in use by another Crisis Desk server or tool (process ${pid}). Stop that one first; if no such process is running, delete ${path.join(dir, LOCK_FILE)}.`);
    this.name = 'DataFolderInUse';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the folder's lock for this process; answers the release. Throws DataFolderInUse when a live process holds it. */
export function lockDataFolder(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          if (Number(readFileSync(file, 'utf8').trim()) === process.pid) rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(file, 'utf8').trim());
    } catch {
      // removed meanwhile: try again
    }
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) throw new DataFolderInUse(dir, holder);
    // Left by a process that has died (a crash, a kill): take it over.
    rmSync(file, { force: true });
  }
  throw new DataFolderInUse(dir, NaN);
}
