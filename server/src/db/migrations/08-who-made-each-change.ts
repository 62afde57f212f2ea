import type { Migration } from './migration';

export const m08WhoMadeEachChange: Migration = {
  version: 8,
  name: 'who made each change: record authors, addendum authors, the author of every answered mutation',
  sql: `
-- A desk used by several people in turn sends each person's changes in a sync stream of their own
-- (one sync_client per install and author), so the author of a change is the user of the stream
-- it came in. Kept here explicitly, beside what it changed.
ALTER TABLE call_record ADD COLUMN created_by text REFERENCES app_user(id);
ALTER TABLE call_record ADD COLUMN updated_by text REFERENCES app_user(id);
ALTER TABLE call_record ADD COLUMN finalised_by text REFERENCES app_user(id);
ALTER TABLE call_record ADD COLUMN discarded_by text REFERENCES app_user(id);
ALTER TABLE call_addendum ADD COLUMN author_id text REFERENCES app_user(id);
ALTER TABLE applied_mutation ADD COLUMN author_id text REFERENCES app_user(id);

-- Until now every change to a record came from its clinician's own sync streams. Rewriting the
-- rows renumbers their changes (call_record_change_order), so every desk pulls them once more and
-- learns their authors.
UPDATE call_record c SET created_by = c.clinician_id,
  updated_by = coalesce((SELECT s.user_id FROM sync_client s WHERE s.client_id = c.last_client_id), c.clinician_id),
  finalised_by = CASE WHEN c.status = 'finalised' THEN coalesce((SELECT s.user_id FROM sync_client s WHERE s.client_id = c.last_client_id), c.clinician_id) END,
  discarded_by = CASE WHEN c.status = 'discarded' THEN coalesce((SELECT s.user_id FROM sync_client s WHERE s.client_id = c.last_client_id), c.clinician_id) END;
-- Addenda are append-only: the guard stands aside for this one backfill, inside this transaction.
ALTER TABLE call_addendum DISABLE TRIGGER call_addendum_append_only;
UPDATE call_addendum a SET author_id = s.user_id FROM sync_client s WHERE s.client_id = a.client_id;
ALTER TABLE call_addendum ENABLE TRIGGER call_addendum_append_only;
UPDATE applied_mutation m SET author_id = s.user_id FROM sync_client s WHERE s.client_id = m.client_id;
CREATE INDEX call_addendum_author ON call_addendum (trust_id, author_id);

-- Who finalised or discarded a record, and who started it, never change afterwards.
CREATE OR REPLACE FUNCTION call_record_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'call records are never deleted' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.created_by IS NOT NULL AND NEW.created_by IS DISTINCT FROM OLD.created_by THEN
    RAISE EXCEPTION 'who started a call record never changes' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'finalised' AND (NEW.content IS DISTINCT FROM OLD.content OR NEW.status IS DISTINCT FROM OLD.status
      OR NEW.content_hash IS DISTINCT FROM OLD.content_hash OR NEW.finalised_at IS DISTINCT FROM OLD.finalised_at
      OR NEW.revision IS DISTINCT FROM OLD.revision OR NEW.finalised_by IS DISTINCT FROM OLD.finalised_by
      OR NEW.updated_by IS DISTINCT FROM OLD.updated_by) THEN
    RAISE EXCEPTION 'finalised call records are immutable' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'discarded' AND (NEW.content IS DISTINCT FROM OLD.content OR NEW.status IS DISTINCT FROM OLD.status
      OR NEW.discarded_by IS DISTINCT FROM OLD.discarded_by) THEN
    RAISE EXCEPTION 'discarded call records are immutable' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;
`,
};
