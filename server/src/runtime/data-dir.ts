import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/*
 * DATA_DIR holds the embedded database (PGlite), directory snapshots and, for the demo, the secret
 * that seals the signing keys. A security probe found PGlite's folder world-readable and writable
 * (files 0666): copying it gave the identity provider's key. So the server works with a umask of
 * 077 from the start (every folder it makes is 0700 and every file 0600), creates DATA_DIR 0700,
 * and refuses a DATA_DIR that other users could read or that belongs to someone else. PGlite's
 * initdb sets its first files' modes itself (0666, measured: 969 files of a new cluster), past the
 * umask: the folder is tightened once it is open (files it makes later follow the umask).
 */

/** Only the server's own user may read or write what it creates. */
export const SERVER_UMASK = 0o077;

export class DataDirError extends Error {}

/**
 * Sets the umask, then creates DATA_DIR (0700) or checks the one that is there. Throws a
 * DataDirError saying what to do when the folder is open to other users. Windows has no mode
 * bits to check: there the folder's ACL is the administrator's to set.
 */
export function secureDataDir(dataDir: string, platform: NodeJS.Platform = process.platform): string {
  const dir = path.resolve(dataDir);
  if (platform === 'win32') {
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  process.umask(SERVER_UMASK);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const problem = dataDirProblem(dir);
  if (problem) throw new DataDirError(problem);
  return dir;
}

/** What is wrong with the folder's ownership or mode, or null. */
export function dataDirProblem(dir: string): string | null {
  const s = statSync(dir);
  if (!s.isDirectory()) return `DATA_DIR ${dir} is not a folder.`;
  const uid = process.getuid?.();
  if (uid !== undefined && s.uid !== uid) {
    return `DATA_DIR ${dir} belongs to another user (uid ${s.uid}), who can read the database and keys in it. Give the server a folder of its own (chown it to the user the server runs as, then chmod 700), and start again.`;
  }
  const open = s.mode & 0o077;
  if (open !== 0) {
    return (
      `DATA_DIR ${dir} can be read or entered by other users of this machine (mode ${(s.mode & 0o777).toString(8).padStart(3, '0')}): ` +
      `the database and keys in it must be the server’s alone. Run \`chmod -R go-rwx ${dir}\`, check that nobody copied it while it was open ` +
      '(if they may have, treat its keys and data as exposed), and start again.'
    );
  }
  return null;
}

/** Takes group and other permissions off everything under dir (symbolic links are left alone). */
export function tightenTree(dir: string, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') return;
  const tighten = (p: string) => {
    const s = lstatSync(p);
    if (!s.isSymbolicLink() && (s.mode & 0o077) !== 0) chmodSync(p, s.mode & 0o700);
  };
  tighten(dir);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) tighten(path.join(entry.parentPath, entry.name));
}
