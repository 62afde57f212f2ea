import { describe, expect, it } from 'vitest';
import { CLIENT, RECORD, seedFinalisedRecord, seedTrust, serverDbAt, stepUp } from '../../../../test/support/server-migration-steps';

describe('server step 11: ids scoped by trust; desk clock times kept beside the server’s', () => {
  it('files every change under its trust and keeps when the server first received each record, without renumbering them', async () => {
    const { db, close } = await serverDbAt(10);
    try {
      await seedTrust(db);
      await db.query("INSERT INTO sync_client (client_id, trust_id, team_id, user_id, last_seq) VALUES ($1, 't1', 'team1', 'u1', 1)", [CLIENT]);
      await seedFinalisedRecord(db);
      await db.query("INSERT INTO applied_mutation (mutation_id, client_id, seq, record_id, status, applied_at) VALUES ('0190a000-0000-7000-8000-0000000000f1', $1, 1, $2, 'applied', '2020-01-01T00:00:00Z')", [CLIENT, RECORD]);
      const before = (await db.query<{ change_seq: string; finalised_at: Date }>('SELECT change_seq, finalised_at FROM call_record'))[0]!;

      expect(await stepUp(db)).toBe(11);
      const [after] = await db.query<{ change_seq: string; received_at: Date; desk_finalised_at: Date }>('SELECT change_seq, received_at, desk_finalised_at FROM call_record');
      expect(after!.change_seq).toBe(before.change_seq);
      expect(after!.received_at.toISOString()).toBe('2020-01-01T00:00:00.000Z');
      expect(after!.desk_finalised_at.toISOString()).toBe(before.finalised_at.toISOString());
      expect(await db.query('SELECT trust_id FROM applied_mutation')).toEqual([{ trust_id: 't1' }]);
      await expect(db.query('UPDATE call_record SET received_at = now() WHERE id = $1', [RECORD])).rejects.toThrow(/never changes/);

      // The same id in another trust is another record.
      await db.query("INSERT INTO trust (id, name) VALUES ('t2', 'Trust Two')");
      await db.query("INSERT INTO team (id, trust_id, name) VALUES ('team2', 't2', 'Other')");
      await db.query("INSERT INTO app_user (id, trust_id, team_id, display_name, roles) VALUES ('u2', 't2', 'team2', 'Other', ARRAY['clinician'])");
      await db.query(
        `INSERT INTO call_record (id, trust_id, team_id, clinician_id, origin_client_id, last_client_id, status, revision, content, started_at, desk_updated_at)
         VALUES ($1, 't2', 'team2', 'u2', $2, $2, 'draft', 1, '{}', now(), now())`,
        [RECORD, CLIENT],
      );
      expect(await db.query('SELECT trust_id FROM call_record WHERE id = $1 ORDER BY trust_id', [RECORD])).toEqual([{ trust_id: 't1' }, { trust_id: 't2' }]);
    } finally {
      await close();
    }
  });
});
