import type Database from 'better-sqlite3-multiple-ciphers';

/**
 * One step of desk.db's schema: takes the database from the version before it to its own
 * (PRAGMA user_version). A step is never edited once released, only followed by another; after the
 * first release, steps touching synced tables may only add (DESIGN.md §4). A step names what it
 * touches in its own SQL, never through the table modules (db/tables/): those follow the schema as
 * it is now, a step the schema as it was.
 */
export type Migration = (db: Database.Database) => void;
