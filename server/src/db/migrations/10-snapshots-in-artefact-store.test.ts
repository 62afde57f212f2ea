import { describe, expect, it } from 'vitest';
import { seedTrust, serverDbAt, stepUp } from '../../../../test/support/server-migration-steps';

describe('server step 10: snapshots in the artefact store', () => {
  it('keeps snapshots recorded as files before it, and requires the artefact of every later one', async () => {
    const { db, close } = await serverDbAt(9);
    try {
      await seedTrust(db);
      await db.query("INSERT INTO directory_snapshot (sha256, trust_id, version, bytes, services) VALUES ('old-file', 't1', 3, 10, 1)");
      expect(await stepUp(db)).toBe(10);
      expect(await db.query('SELECT sha256, pruned_at FROM directory_snapshot')).toEqual([{ sha256: 'old-file', pruned_at: null }]);
      await expect(db.query("INSERT INTO directory_snapshot (sha256, trust_id, version, bytes, services) VALUES ('no-artefact', 't1', 4, 10, 1)")).rejects.toThrow(/foreign key/i);
      await db.query("INSERT INTO directory_snapshot_build (trust_id, claim, node, version) VALUES ('t1', '0190a000-0000-7000-8000-000000000401', 'n1', 4)");
      await expect(db.query("INSERT INTO directory_snapshot_build (trust_id, claim, node, version) VALUES ('t1', '0190a000-0000-7000-8000-000000000402', 'n2', 4)")).rejects.toThrow(/duplicate|unique/i);
    } finally {
      await close();
    }
  });
});
