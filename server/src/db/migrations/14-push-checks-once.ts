import type { Migration } from './migration';

/*
 * A push of 500 records ran 3,500 foreign-key checks on call_record and 1,500 on applied_mutation
 * (EXPLAIN ANALYZE, docs/benchmarks.md, Push, rounds 2 and 3): one lookup per row per key, some
 * 40 % of each insert's execution. Two of them per mutation checked nothing the others did not:
 * - applied_mutation.trust_id → trust: the row's (trust_id, client_id) must be a sync_client of that
 *   trust (applied_mutation_stream), whose own trust_id is checked against trust;
 * - call_record.trust_id → trust beside call_record.team_id → team: now one key, (trust_id, team_id)
 *   → team (trust_id, id), which says more than both did (a record's team is a team of the record's
 *   trust, which nothing held before) with one lookup instead of two; team.trust_id → trust does the rest.
 */
export const m14PushChecksOnce: Migration = {
  version: 14,
  name: 'a call record’s team checked with its trust as one key; applied_mutation’s trust through its stream only',
  sql: `
ALTER TABLE team ADD CONSTRAINT team_trust_id_id UNIQUE (trust_id, id);
ALTER TABLE call_record ADD CONSTRAINT call_record_team FOREIGN KEY (trust_id, team_id) REFERENCES team (trust_id, id);
ALTER TABLE call_record DROP CONSTRAINT call_record_team_id_fkey;
ALTER TABLE call_record DROP CONSTRAINT call_record_trust_id_fkey;
ALTER TABLE applied_mutation DROP CONSTRAINT applied_mutation_trust_id_fkey;
`,
};
