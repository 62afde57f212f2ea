import { describe, expect, it } from 'vitest';
import { seedTrust, serverDbAt, stepUp } from '../../../../test/support/server-migration-steps';

describe('server step 2: when a snapshot’s version was published', () => {
  it('adds published_at to snapshots, empty for those built before', async () => {
    const { db, close } = await serverDbAt(1);
    try {
      await seedTrust(db);
      await db.query("INSERT INTO directory_snapshot (sha256, trust_id, version, bytes, services) VALUES ('s1', 't1', 3, 10, 1)");
      expect(await stepUp(db)).toBe(2);
      expect(await db.query('SELECT sha256, version, published_at FROM directory_snapshot')).toEqual([{ sha256: 's1', version: 3, published_at: null }]);
      await db.query("UPDATE directory_snapshot SET published_at = '2026-01-01T00:00:00Z'");
    } finally {
      await close();
    }
  });
});
