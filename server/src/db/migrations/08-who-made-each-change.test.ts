import { describe, expect, it } from 'vitest';
import { CLIENT, RECORD, seedFinalisedRecord, seedTrust, serverDbAt, stepUp, type Engine } from '../../../../test/support/server-migration-steps';

describe.each<Engine>(['PostgreSQL', 'PGlite'])('server step 8, who made each change, on %s', (engine) => {
  it('files every change made before it under the user of the sync client that sent it', async () => {
    const { db, close } = await serverDbAt(7, engine);
    try {
      await seedTrust(db);
      await seedFinalisedRecord(db);
      await db.query("INSERT INTO app_user (id, trust_id, team_id, display_name, roles) VALUES ('u2', 't1', 'team1', 'Night', ARRAY['clinician'])");
      const c2 = '0190a000-0000-7000-8000-0000000000c2';
      await db.query("INSERT INTO sync_client (client_id, trust_id, team_id, user_id, last_seq) VALUES ($1, 't1', 'team1', 'u1', 3), ($2, 't1', 'team1', 'u2', 1)", [CLIENT, c2]);
      const discarded = '0190a000-0000-7000-8000-000000000002';
      await db.query(
        `INSERT INTO call_record (id, trust_id, team_id, clinician_id, origin_client_id, last_client_id, status, revision, content, started_at, discarded_at, discard_reason, desk_updated_at)
         VALUES ($1, 't1', 'team1', 'u1', $2, $2, 'discarded', 2, '{}', now(), now(), 'x', now())`,
        [discarded, CLIENT],
      );
      await db.query("INSERT INTO call_addendum (id, record_id, trust_id, client_id, text, created_at, content_hash) VALUES ('0190a000-0000-7000-8000-0000000000a1', $1, 't1', $2, 'note', now(), 'h')", [RECORD, c2]);
      await db.query("INSERT INTO applied_mutation (mutation_id, client_id, seq, record_id, status) VALUES ('0190a000-0000-7000-8000-0000000000f1', $1, 1, $2, 'applied')", [CLIENT, RECORD]);

      expect(await stepUp(db)).toBe(8);
      expect(await db.query('SELECT id, created_by, updated_by, finalised_by, discarded_by FROM call_record ORDER BY id')).toEqual([
        { id: RECORD, created_by: 'u1', updated_by: 'u1', finalised_by: 'u1', discarded_by: null },
        { id: discarded, created_by: 'u1', updated_by: 'u1', finalised_by: null, discarded_by: 'u1' },
      ]);
      expect(await db.query('SELECT author_id FROM call_addendum')).toEqual([{ author_id: 'u2' }]);
      expect(await db.query('SELECT author_id FROM applied_mutation')).toEqual([{ author_id: 'u1' }]);
      // The addenda are append-only again once the backfill is done, and who finalised never changes.
      await expect(db.query("UPDATE call_addendum SET author_id = 'u1'")).rejects.toThrow(/append-only/);
      await expect(db.query("UPDATE call_record SET finalised_by = 'u2' WHERE id = $1", [RECORD])).rejects.toThrow(/immutable/);
    } finally {
      await close();
    }
  });
});
