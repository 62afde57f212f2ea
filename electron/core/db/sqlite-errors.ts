import type { ContractError } from '../../../shared/contract';

/** Maps SQLite failures that a person can do something about to contract errors. */
export function describeSqliteError(e: unknown): ContractError | null {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR_FSYNC') {
    return { code: 'storage_full', message: 'The desk could not save because the disk is full or failing. Nothing already saved is lost: free some disk space (or call IT), then save again.' };
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return { code: 'db_corrupt', message: 'The desk’s local database is damaged. Restart Crisis Desk: it will set the damaged file aside and report it.' };
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return { code: 'internal', message: 'The desk’s database is busy (is Crisis Desk open twice?). Try again in a moment.' };
  }
  return null;
}
