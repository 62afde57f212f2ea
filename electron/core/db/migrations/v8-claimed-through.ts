import type { Migration } from './migration';

/**
 * A stream's changes handed to the network are a prefix of it (a claim always takes the stream's
 * oldest waiting changes), so one number per stream says which they are: claimed_seq, the highest
 * stream seq claimed. A claim used to count an attempt on each of its rows instead: 500 rows of
 * whole drafts rewritten and flushed before a batch could go (14–28 ms of a 1,000-change push, on
 * the path before the first byte left). What a claim counted before this step is carried into
 * claimed_seq here, and outbox.attempts, which nothing reads or writes any more, goes.
 */
export const v8ClaimedThrough: Migration = (db) => {
  db.exec(`
    ALTER TABLE sync_stream ADD COLUMN claimed_seq INTEGER NOT NULL DEFAULT 0;
    UPDATE sync_stream SET claimed_seq = coalesce((SELECT max(stream_seq) FROM outbox WHERE outbox.stream_id = sync_stream.id AND attempts > 0), 0);
    ALTER TABLE outbox DROP COLUMN attempts;
  `);
};
