import { describe, expect, it } from 'vitest';
import { CLIENT, RECORD, seedFinalisedRecord, seedTrust, serverDbAt, stepUp } from '../../../../test/support/server-migration-steps';

const OTHER = '0190a000-0000-7000-8000-000000000002';

/** The foreign-key triggers an insert into the table fires per row (what a push pays per mutation). */
async function keyChecksOf(db: { query: (sql: string, params?: unknown[]) => Promise<unknown[]> }, table: string): Promise<string[]> {
  const rows = (await db.query(
    `SELECT c.conname FROM pg_constraint c WHERE c.conrelid = $1::regclass AND c.contype = 'f' ORDER BY 1`,
    [table],
  )) as { conname: string }[];
  return rows.map((r) => r.conname);
}

describe('server step 14: a push’s keys checked once each', () => {
  it('keeps the records it meets, and still refuses a record of no team, of another trust’s team, or an answer of no stream', async () => {
    const { db, close } = await serverDbAt(13);
    try {
      await seedTrust(db);
      await db.query("INSERT INTO trust (id, name) VALUES ('t2', 'Trust Two')");
      await db.query("INSERT INTO team (id, trust_id, name) VALUES ('team2', 't2', 'Other line')");
      await seedFinalisedRecord(db);
      await db.query("INSERT INTO sync_client (client_id, trust_id, team_id, user_id) VALUES ($1, 't1', 'team1', 'u1')", [CLIENT]);
      expect(await stepUp(db)).toBe(14);

      expect(await db.query('SELECT id, trust_id, team_id FROM call_record')).toEqual([{ id: RECORD, trust_id: 't1', team_id: 'team1' }]);
      // Two checks fewer per pushed mutation: the record's team and trust are one key; an answer's trust comes with its stream.
      expect(await keyChecksOf(db, 'call_record')).toEqual([
        'call_record_clinician_id_fkey', 'call_record_created_by_fkey', 'call_record_discarded_by_fkey', 'call_record_finalised_by_fkey', 'call_record_team', 'call_record_updated_by_fkey',
      ]);
      expect(await keyChecksOf(db, 'applied_mutation')).toEqual(['applied_mutation_author_id_fkey', 'applied_mutation_stream']);

      const record = (id: string, trust: string, team: string) =>
        db.query(
          `INSERT INTO call_record (id, trust_id, team_id, clinician_id, origin_client_id, last_client_id, status, revision, content, started_at, desk_updated_at)
           VALUES ($1, $2, $3, 'u1', $4, $4, 'draft', 1, '{}', now(), now())`,
          [id, trust, team, CLIENT],
        );
      // A team of another trust: accepted before this step (each key checked on its own), refused now.
      await expect(record(OTHER, 't1', 'team2')).rejects.toThrow(/call_record_team/);
      await expect(record(OTHER, 't1', 'no-such-team')).rejects.toThrow(/call_record_team/);
      await expect(record(OTHER, 'no-such-trust', 'team1')).rejects.toThrow(/call_record_team/);
      await record(OTHER, 't1', 'team1');

      const answer = (trust: string, client: string) =>
        db.query(
          `INSERT INTO applied_mutation (trust_id, mutation_id, client_id, seq, record_id, status, server_revision, author_id)
           VALUES ($1, gen_random_uuid(), $2, 1, $3, 'applied', 1, 'u1')`,
          [trust, client, RECORD],
        );
      // The trust is still checked, through the stream: no stream of that trust, no answer.
      await expect(answer('no-such-trust', CLIENT)).rejects.toThrow(/applied_mutation_stream/);
      await expect(answer('t2', CLIENT)).rejects.toThrow(/applied_mutation_stream/);
      await answer('t1', CLIENT);
      // Nor can a trust or a team be removed from under the records that name them.
      await expect(db.query("DELETE FROM team WHERE id = 'team1'")).rejects.toThrow(/foreign key/);
      await expect(db.query("DELETE FROM sync_client WHERE client_id = $1", [CLIENT])).rejects.toThrow(/foreign key/);
    } finally {
      await close();
    }
  });
});
