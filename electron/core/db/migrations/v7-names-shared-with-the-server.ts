import type { Migration } from './migration';

/**
 * One name for each thing on the desk and the server. The addendum table is call_addendum, as the
 * server has always called it (beside call_record). The desk's own count of a record's versions is
 * local_revision, as its conflicts already called it, so that revision names only the server's
 * (call_record.revision there; base_revision and a conflict's server_revision here). SQLite rewrites
 * the triggers, checks and keys that name them; rows, indexes and the triggers' own names stay. A
 * change the server will not take is "rejected" in the protocol, the contract and on screen, so the
 * table that keeps them is rejected_change (it was dead_letter).
 */
export const v7NamesSharedWithTheServer: Migration = (db) => {
  db.exec(`
    ALTER TABLE addendum RENAME TO call_addendum;
    ALTER TABLE call_record RENAME COLUMN revision TO local_revision;
    ALTER TABLE call_revision RENAME COLUMN revision TO local_revision;
    ALTER TABLE dead_letter RENAME TO rejected_change;
  `);
};
