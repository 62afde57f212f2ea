import type { Migration } from './migration';

/**
 * The callbacks a shift may owe from before it: the index carries each candidate's status and id,
 * so the summary checks "not discarded" and "not made by an addendum" without reading the record
 * itself (a month of a team held 2,196 callbacks not closed in the record, of which 137 were still
 * owed: reading each record to find those took 30–45 ms of a 60 ms summary; 2 ms with this index).
 * It replaces the narrower index of migration 3, which it makes redundant.
 */
export const v5CallbacksOwedIndex: Migration = (db) => {
  db.exec(`
    DROP INDEX IF EXISTS call_record_callback_open;
    CREATE INDEX call_record_callback_owed ON call_record (julianday(json_extract(content, '$.startedAt')), status, id)
      WHERE json_extract(content, '$.callback.required') = 1 AND json_extract(content, '$.callback.completedAt') IS NULL;
  `);
};
