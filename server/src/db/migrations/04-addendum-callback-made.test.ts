import { describe, expect, it } from 'vitest';
import { CLIENT, RECORD, seedFinalisedRecord, seedTrust, serverDbAt, stepUp } from '../../../../test/support/server-migration-steps';

describe('server step 4: an addendum records a callback as made', () => {
  it('adds callback_made_at to addenda, keeping those already received', async () => {
    const { db, close } = await serverDbAt(3);
    try {
      await seedTrust(db);
      await seedFinalisedRecord(db);
      await db.query("INSERT INTO call_addendum (id, record_id, trust_id, client_id, text, created_at, content_hash) VALUES ('0190a000-0000-7000-8000-0000000000a1', $1, 't1', $2, 'note', now(), 'h')", [RECORD, CLIENT]);
      expect(await stepUp(db)).toBe(4);
      expect(await db.query('SELECT text, callback_made_at FROM call_addendum')).toEqual([{ text: 'note', callback_made_at: null }]);
      await db.query("INSERT INTO call_addendum (id, record_id, trust_id, client_id, text, created_at, content_hash, callback_made_at) VALUES ('0190a000-0000-7000-8000-0000000000a2', $1, 't1', $2, 'called', now(), 'h', now())", [RECORD, CLIENT]);
      await expect(db.query('UPDATE call_addendum SET callback_made_at = now()')).rejects.toThrow(/append-only/);
    } finally {
      await close();
    }
  });
});
