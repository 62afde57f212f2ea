import { describe, expect, it } from 'vitest';
import { describeSqliteError, describeStorageError, FULL_BELOW_BYTES, storageProblemOf } from './sqlite-errors';

/*
 * Every way a full disk reaches the desk (hazard H30): the SQLite codes for a write that failed,
 * Node's ENOSPC and EDQUOT. Errors are shaped as better-sqlite3 and Node throw them: an Error with
 * a string `code`.
 */

const err = (code: string) => Object.assign(new Error(code), { code });
const roomLeft = (bytes: number | null) => ({ dataDir: '/desk', freeBytes: () => bytes });

/** The SQLite codes of a failed write or file creation (sqlite3.h), and Node's for the same. */
const WRITE_FAILURES = [
  'SQLITE_IOERR',
  'SQLITE_IOERR_WRITE',
  'SQLITE_IOERR_FSYNC',
  'SQLITE_IOERR_DIR_FSYNC',
  'SQLITE_IOERR_TRUNCATE',
  'SQLITE_IOERR_SHMSIZE',
  'SQLITE_IOERR_SHMMAP',
  'SQLITE_IOERR_SHMOPEN',
  'SQLITE_IOERR_MMAP',
  'SQLITE_IOERR_SEEK',
  'SQLITE_IOERR_DELETE',
  'SQLITE_IOERR_CLOSE',
  'SQLITE_IOERR_DIR_CLOSE',
  'SQLITE_IOERR_SHORT_READ',
  'SQLITE_IOERR_READ',
  'SQLITE_IOERR_FSTAT',
  'SQLITE_IOERR_BEGIN_ATOMIC',
  'SQLITE_IOERR_COMMIT_ATOMIC',
  'SQLITE_IOERR_ROLLBACK_ATOMIC',
  'SQLITE_IOERR_DATA',
  'SQLITE_IOERR_CORRUPTFS',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'EIO',
  'EFBIG',
  'EROFS',
];

describe('a full disk, whichever way it shows', () => {
  it('SQLITE_FULL and ENOSPC are a full disk, whatever room is reported', () => {
    for (const code of ['SQLITE_FULL', 'ENOSPC']) {
      expect(storageProblemOf(err(code), roomLeft(10 * FULL_BELOW_BYTES)), code).toBe('full');
      expect(storageProblemOf(err(code)), code).toBe('full');
    }
  });

  it('EDQUOT is a spent quota', () => {
    expect(storageProblemOf(err('EDQUOT'))).toBe('quota');
    expect(describeStorageError(err('EDQUOT'), { when: 'save' })!.message).toMatch(/allowance \(quota\) on this computer is used up/);
  });

  it('every failed write is a full disk when the disk has (almost) no room left, or when the room cannot be told', () => {
    for (const code of WRITE_FAILURES) {
      expect(storageProblemOf(err(code), roomLeft(0)), code).toBe('full');
      expect(storageProblemOf(err(code), roomLeft(FULL_BELOW_BYTES - 1)), code).toBe('full');
      expect(storageProblemOf(err(code), roomLeft(null)), code).toBe('full');
      expect(describeStorageError(err(code), { ...roomLeft(0), when: 'start' }), code).toMatchObject({ code: 'storage_full', message: expect.stringMatching(/disk is full/) });
    }
  });

  it('with room left, a failed write is a failing or read-only disk, said as such', () => {
    for (const code of WRITE_FAILURES) {
      expect(describeStorageError(err(code), { ...roomLeft(10 * FULL_BELOW_BYTES), when: 'save' }), code).toEqual({
        code: 'storage_failed',
        message: expect.stringMatching(/disk cannot be written to, so the desk cannot save.*call IT now: the disk may be failing, or has been made read-only/),
      });
    }
  });

  it('restarting on a full disk (SQLITE_IOERR_SHMSIZE) says the disk is full and what to do, not “unexpected error”', () => {
    const e = describeSqliteError(err('SQLITE_IOERR_SHMSIZE'), { dataDir: '/home/desk/.data', freeBytes: () => 0, when: 'start' });
    expect(e).toEqual({
      code: 'storage_full',
      message:
        'Crisis Desk cannot start: the disk is full (its records are in /home/desk/.data). To fix it, free some space on this computer (empty the Downloads folder and the recycle bin) or call IT, then start Crisis Desk again. Nothing already saved is lost.',
    });
  });

  it('says what happens to the work in hand: at a save, and when sync cannot store what it fetched', () => {
    expect(describeStorageError(err('SQLITE_FULL'), { when: 'save' })!.message).toMatch(/^The disk is full, so the desk cannot save\. What is on screen stays there and is saved as soon as it can be\./);
    expect(describeStorageError(err('ENOSPC'), { when: 'sync' })!.message).toMatch(/^The disk is full, so updates from the server \(records and the directory\) cannot be stored on this desk\./);
  });

  it('is not claimed for errors that are not about storage', () => {
    for (const code of ['SQLITE_CONSTRAINT', 'SQLITE_IOERR_NOMEM', 'SQLITE_IOERR_LOCK', 'SQLITE_BUSY', 'ECONNRESET', 'SQLITE_CORRUPT']) {
      expect(storageProblemOf(err(code), roomLeft(0)), code).toBeNull();
    }
    expect(storageProblemOf(new Error('no code'))).toBeNull();
    expect(storageProblemOf(null)).toBeNull();
  });

  it('still tells a damaged or busy database apart', () => {
    expect(describeSqliteError(err('SQLITE_CORRUPT'))!.code).toBe('db_corrupt');
    expect(describeSqliteError(err('SQLITE_NOTADB'))!.code).toBe('db_corrupt');
    expect(describeSqliteError(err('SQLITE_BUSY_SNAPSHOT'))!.message).toMatch(/busy/);
  });
});
