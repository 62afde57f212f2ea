import { describe, expect, it } from 'vitest';
import { RECORD, seedFinalisedRecord, seedTrust, serverDbAt, stepUp } from '../../../../test/support/server-migration-steps';

describe('server step 3: changes numbered in commit order', () => {
  it('numbers every later write of a record anew, and indexes pulls by team and clinician', async () => {
    const { db, close } = await serverDbAt(2);
    try {
      await seedTrust(db);
      await seedFinalisedRecord(db);
      const seq = async () => Number(((await db.query<{ s: string }>('SELECT change_seq AS s FROM call_record WHERE id = $1', [RECORD])) as [{ s: string }])[0].s);
      const before = await seq();
      expect(await stepUp(db)).toBe(3);
      expect(await seq()).toBe(before);
      await db.query('UPDATE call_record SET updated_at = now() WHERE id = $1', [RECORD]);
      expect(await seq()).toBeGreaterThan(before);
      const indexes = (await db.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'call_record'")).map((r) => r.indexname);
      expect(indexes).toEqual(expect.arrayContaining(['call_record_team_changes', 'call_record_clinician_changes']));
    } finally {
      await close();
    }
  });
});
