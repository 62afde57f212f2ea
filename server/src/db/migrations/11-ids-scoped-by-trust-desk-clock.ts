import type { Migration } from './migration';

export const m11IdsScopedByTrustDeskClock: Migration = {
  version: 11,
  name: 'security: record, addendum, mutation and desk ids scoped by trust; desk clock times bounded, server receipt times kept',
  sql: `
-- Ids of records, addenda, changes and sync streams are UUIDs made on desks. Held as global keys,
-- another trust could tell whether one existed (its push was refused instead of applied) and claim
-- one first, so that the real desk's change was refused. Every key now includes the trust: one
-- trust's id never meets another's, and "not there" and "another trust's" are the same answer.
ALTER TABLE call_addendum DROP CONSTRAINT call_addendum_record_id_fkey;
ALTER TABLE call_addendum DROP CONSTRAINT call_addendum_pkey;
ALTER TABLE call_record DROP CONSTRAINT call_record_pkey;
ALTER TABLE call_record ADD PRIMARY KEY (trust_id, id);
ALTER TABLE call_addendum ADD PRIMARY KEY (trust_id, id);
ALTER TABLE call_addendum ADD CONSTRAINT call_addendum_record FOREIGN KEY (trust_id, record_id) REFERENCES call_record (trust_id, id);
DROP INDEX call_addendum_record;
CREATE INDEX call_addendum_record ON call_addendum (trust_id, record_id);

ALTER TABLE applied_mutation DROP CONSTRAINT applied_mutation_client_id_fkey;
ALTER TABLE applied_mutation DROP CONSTRAINT applied_mutation_pkey;
ALTER TABLE applied_mutation DROP CONSTRAINT applied_mutation_client_id_seq_key;
ALTER TABLE applied_mutation ADD COLUMN trust_id text REFERENCES trust(id);
UPDATE applied_mutation m SET trust_id = s.trust_id FROM sync_client s WHERE s.client_id = m.client_id;
ALTER TABLE applied_mutation ALTER COLUMN trust_id SET NOT NULL;
ALTER TABLE sync_client DROP CONSTRAINT sync_client_pkey;
ALTER TABLE sync_client ADD PRIMARY KEY (trust_id, client_id);
ALTER TABLE applied_mutation ADD PRIMARY KEY (trust_id, mutation_id);
ALTER TABLE applied_mutation ADD CONSTRAINT applied_mutation_stream_seq UNIQUE (trust_id, client_id, seq);
ALTER TABLE applied_mutation ADD CONSTRAINT applied_mutation_stream FOREIGN KEY (trust_id, client_id) REFERENCES sync_client (trust_id, client_id);
DROP INDEX applied_mutation_client_time;
CREATE INDEX applied_mutation_client_time ON applied_mutation (trust_id, client_id, applied_at);

-- A desk's clock may be wrong (a 1999 finalisedAt was stored). The time a desk gives for finalising
-- or discarding is kept as it said (desk_*), and used only within bounds the server can vouch for
-- (server/src/sync/desk-clock.ts); outside them the server's receipt time is used and the reason
-- kept (desk_clock_note). received_at: when the server first received the record.
ALTER TABLE call_record ADD COLUMN received_at timestamptz;
ALTER TABLE call_record ADD COLUMN desk_finalised_at timestamptz;
ALTER TABLE call_record ADD COLUMN finalised_received_at timestamptz;
ALTER TABLE call_record ADD COLUMN desk_discarded_at timestamptz;
ALTER TABLE call_record ADD COLUMN discarded_received_at timestamptz;
ALTER TABLE call_record ADD COLUMN desk_clock_note text;
ALTER TABLE call_addendum ADD COLUMN received_at timestamptz;
-- Filled in without renumbering the records' changes (no new column is sent to desks).
ALTER TABLE call_record DISABLE TRIGGER call_record_change_order;
UPDATE call_record c SET received_at = least(c.updated_at, f.first) FROM
  (SELECT trust_id, record_id, min(applied_at) AS first FROM applied_mutation GROUP BY trust_id, record_id) f
  WHERE f.trust_id = c.trust_id AND f.record_id = c.id;
UPDATE call_record SET received_at = updated_at WHERE received_at IS NULL;
UPDATE call_record SET desk_finalised_at = finalised_at, desk_discarded_at = discarded_at;
ALTER TABLE call_record ENABLE TRIGGER call_record_change_order;
ALTER TABLE call_record ALTER COLUMN received_at SET DEFAULT now();
ALTER TABLE call_record ALTER COLUMN received_at SET NOT NULL;
ALTER TABLE call_addendum ALTER COLUMN received_at SET DEFAULT now();

-- What the desk said and when the server received a finalisation never change afterwards either.
CREATE OR REPLACE FUNCTION call_record_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'call records are never deleted' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.created_by IS NOT NULL AND NEW.created_by IS DISTINCT FROM OLD.created_by THEN
    RAISE EXCEPTION 'who started a call record never changes' USING ERRCODE = 'restrict_violation';
  END IF;
  IF NEW.received_at IS DISTINCT FROM OLD.received_at THEN
    RAISE EXCEPTION 'when the server received a call record never changes' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'finalised' AND (NEW.content IS DISTINCT FROM OLD.content OR NEW.status IS DISTINCT FROM OLD.status
      OR NEW.content_hash IS DISTINCT FROM OLD.content_hash OR NEW.finalised_at IS DISTINCT FROM OLD.finalised_at
      OR NEW.revision IS DISTINCT FROM OLD.revision OR NEW.finalised_by IS DISTINCT FROM OLD.finalised_by
      OR NEW.updated_by IS DISTINCT FROM OLD.updated_by OR NEW.desk_finalised_at IS DISTINCT FROM OLD.desk_finalised_at
      OR NEW.finalised_received_at IS DISTINCT FROM OLD.finalised_received_at OR NEW.desk_clock_note IS DISTINCT FROM OLD.desk_clock_note) THEN
    RAISE EXCEPTION 'finalised call records are immutable' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'discarded' AND (NEW.content IS DISTINCT FROM OLD.content OR NEW.status IS DISTINCT FROM OLD.status
      OR NEW.discarded_by IS DISTINCT FROM OLD.discarded_by OR NEW.discarded_at IS DISTINCT FROM OLD.discarded_at
      OR NEW.desk_discarded_at IS DISTINCT FROM OLD.desk_discarded_at OR NEW.discarded_received_at IS DISTINCT FROM OLD.discarded_received_at) THEN
    RAISE EXCEPTION 'discarded call records are immutable' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;
`,
};
