import { statfsSync } from 'node:fs';
import type { ContractError } from '../../../shared/contract';

/*
 * Storage failures said in words a clinician (and IT) can act on. A full disk reaches the desk in
 * more ways than SQLITE_FULL: SQLite reports a failed write to its journal, its shared-memory file
 * or the folder as one of its SQLITE_IOERR_* codes (restarting on a full disk fails with
 * SQLITE_IOERR_SHMSIZE, growing desk.db-shm), it cannot create a file (SQLITE_CANTOPEN) when the
 * disk has no room left for one, and Node's own writes (the key check, a directory download) fail
 * with ENOSPC, or EDQUOT when a user's quota is spent. Whether such a write failure is a full
 * disk or a failing one is decided by asking the file system how much room is left.
 */

/** Codes that can only mean there is no room. */
const NO_ROOM = new Set(['SQLITE_FULL', 'ENOSPC']);
const QUOTA = new Set(['EDQUOT']);
/** Codes of a write (or the creation of a file) that failed: a full disk, or a failing or read-only one. */
const WRITE_FAILED = new Set(['SQLITE_CANTOPEN', 'SQLITE_READONLY', 'EIO', 'EFBIG', 'EROFS']);
/** SQLITE_IOERR_* codes that are not about writing to the disk. */
const NOT_A_WRITE = new Set(['SQLITE_IOERR_NOMEM', 'SQLITE_IOERR_LOCK', 'SQLITE_IOERR_RDLOCK', 'SQLITE_IOERR_UNLOCK', 'SQLITE_IOERR_CHECKRESERVEDLOCK', 'SQLITE_IOERR_ACCESS', 'SQLITE_IOERR_AUTH', 'SQLITE_IOERR_CONVPATH', 'SQLITE_IOERR_VNODE']);

/** Less room than this on the desk's disk counts as full: a checkpoint alone needs a few MiB. */
export const FULL_BELOW_BYTES = 16 * 1024 * 1024;

/** When the failure happened, which decides what the clinician is told to expect. */
export type StorageMoment = 'start' | 'save' | 'sync';

export interface StorageContext {
  /** The folder holding the desk's files (desk.db, directory.db). */
  dataDir?: string;
  when: StorageMoment;
  /** Bytes an unprivileged user may still write in the folder; null when it cannot be told. */
  freeBytes?: (dir: string) => number | null;
}

export function freeBytesIn(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

export type StorageProblem = 'full' | 'quota' | 'failing';

/** Which storage problem an error is, or null when it is not one. */
export function storageProblemOf(e: unknown, ctx: Pick<StorageContext, 'dataDir' | 'freeBytes'> = {}): StorageProblem | null {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (NO_ROOM.has(code)) return 'full';
  if (QUOTA.has(code)) return 'quota';
  const writeFailed = WRITE_FAILED.has(code) || (code.startsWith('SQLITE_IOERR') && !NOT_A_WRITE.has(code));
  if (!writeFailed) return null;
  const free = ctx.dataDir ? (ctx.freeBytes ?? freeBytesIn)(ctx.dataDir) : null;
  // Unknown room: a write that failed is far more often a full disk than a broken one.
  return free === null || free < FULL_BELOW_BYTES ? 'full' : 'failing';
}

const WHAT_TO_DO: Record<StorageProblem, string> = {
  full: 'free some space on this computer (empty the Downloads folder and the recycle bin) or call IT',
  quota: 'delete files you no longer need from your own folders, or call IT to raise your allowance',
  failing: 'call IT now: the disk may be failing, or has been made read-only',
};

const WHY: Record<StorageProblem, string> = {
  full: 'the disk is full',
  quota: 'your disk space allowance (quota) on this computer is used up',
  failing: 'the disk cannot be written to',
};

const capital = (s: string) => `${s[0]!.toUpperCase()}${s.slice(1)}`;

function messageFor(problem: StorageProblem, ctx: StorageContext): string {
  const why = WHY[problem];
  switch (ctx.when) {
    case 'start':
      return `Crisis Desk cannot start: ${why}${ctx.dataDir ? ` (its records are in ${ctx.dataDir})` : ''}. To fix it, ${WHAT_TO_DO[problem]}, then start Crisis Desk again. Nothing already saved is lost.`;
    case 'save':
      return `${capital(why)}, so the desk cannot save. What is on screen stays there and is saved as soon as it can be. To fix it, ${WHAT_TO_DO[problem]}. Nothing already saved is lost.`;
    case 'sync':
      return `${capital(why)}, so updates from the server (records and the directory) cannot be stored on this desk. To fix it, ${WHAT_TO_DO[problem]}. What this desk has saved is not lost.`;
  }
}

/** A storage failure as the contract error the screen (or the desktop shell's fatal page) shows; null when it is not one. */
export function describeStorageError(e: unknown, ctx: StorageContext): ContractError | null {
  const problem = storageProblemOf(e, ctx);
  if (!problem) return null;
  return { code: problem === 'failing' ? 'storage_failed' : 'storage_full', message: messageFor(problem, ctx) };
}

/** Maps SQLite failures that a person can do something about to contract errors. */
export function describeSqliteError(e: unknown, ctx: StorageContext = { when: 'save' }): ContractError | null {
  const storage = describeStorageError(e, ctx);
  if (storage) return storage;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  if (code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT_') || code === 'SQLITE_NOTADB') {
    return { code: 'db_corrupt', message: 'The desk’s local database is damaged. Restart Crisis Desk: it will set the damaged file aside and report it.' };
  }
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') {
    return { code: 'internal', message: 'The desk’s database is busy (is Crisis Desk open twice?). Try again in a moment.' };
  }
  return null;
}
