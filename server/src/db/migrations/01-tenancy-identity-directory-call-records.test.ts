import { describe, expect, it } from 'vitest';
import { CLIENT, RECORD, seedFinalisedRecord, seedTrust, serverDbAt, stepUp } from '../../../../test/support/server-migration-steps';

describe('server step 1: tenancy, identity, directory, call records', () => {
  it('makes an empty database the first schema: records numbered as they change, history append-only', async () => {
    const { db, close } = await serverDbAt(0);
    try {
      expect(await stepUp(db)).toBe(1);
      await seedTrust(db);
      await seedFinalisedRecord(db);
      const [{ change_seq }] = (await db.query<{ change_seq: string }>('SELECT change_seq FROM call_record')) as [{ change_seq: string }];
      expect(Number(change_seq)).toBeGreaterThan(0);
      await expect(db.query("UPDATE call_record SET content = '{\"a\":2}' WHERE id = $1", [RECORD])).rejects.toThrow(/immutable/);
      await expect(db.query('DELETE FROM call_record WHERE id = $1', [RECORD])).rejects.toThrow(/never deleted/);
      await db.query("INSERT INTO call_addendum (id, record_id, trust_id, client_id, text, created_at, content_hash) VALUES ('0190a000-0000-7000-8000-0000000000a1', $1, 't1', $2, 'note', now(), 'h')", [RECORD, CLIENT]);
      await expect(db.query("UPDATE call_addendum SET text = 'changed'")).rejects.toThrow(/append-only/);
      await expect(db.query("INSERT INTO app_user (id, trust_id, display_name, roles) VALUES ('u9', 't1', 'X', ARRAY['superuser'])")).rejects.toThrow(/check/i);
    } finally {
      await close();
    }
  });
});
