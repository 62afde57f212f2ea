import type { Migration } from './migration';

/**
 * One name for the addendum table on the desk and the server: the server has always called it
 * call_addendum (beside call_record), the desk called it addendum. SQLite rewrites the triggers that
 * name it (only on finalised records, never changed, never deleted); rows, indexes and the
 * triggers' own names stay as they were.
 */
export const v7CallAddendum: Migration = (db) => {
  db.exec('ALTER TABLE addendum RENAME TO call_addendum');
};
