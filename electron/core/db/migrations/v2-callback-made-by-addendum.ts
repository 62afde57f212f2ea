import type { Migration } from './migration';

/** An addendum can record the callback a finalised record asked for as made. */
export const v2CallbackMadeByAddendum: Migration = (db) => {
  db.exec('ALTER TABLE addendum ADD COLUMN callback_made_at TEXT');
};
