import type { Migration } from './migration';

export const m03CallRecordChangeOrder: Migration = {
  version: 3,
  name: 'call record changes numbered in commit order; indexes for pulls',
  sql: `
-- Desks pull records by change_seq. A sequence hands out numbers in the order transactions ask
-- for them, not the order they commit: a pull could pass number n while a slower transaction
-- still held n - 1, and never see it. Numbering a trust's changes under a lock held until commit
-- makes the numbers follow the commits (pushes of one trust write their records one at a time).
CREATE FUNCTION call_record_change_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7302, hashtext(NEW.trust_id));
  NEW.change_seq := nextval('call_change_seq');
  RETURN NEW;
END $$;
CREATE TRIGGER call_record_change_order BEFORE INSERT OR UPDATE ON call_record FOR EACH ROW EXECUTE FUNCTION call_record_change_order();
CREATE INDEX call_record_team_changes ON call_record (trust_id, team_id, change_seq);
CREATE INDEX call_record_clinician_changes ON call_record (trust_id, clinician_id, change_seq);
`,
};
