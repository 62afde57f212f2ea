import { describe, expect, it } from 'vitest';
import { seedTrust, serverDbAt, stepUp } from '../../../../test/support/server-migration-steps';

const id = (n: number) => `0190a000-0000-7000-8000-00000000010${n}`;

describe('server step 5: directory imports as jobs', () => {
  it('gives each earlier import the status its outcome implies, and allows one running import per feed', async () => {
    const { db, close } = await serverDbAt(4);
    try {
      await seedTrust(db);
      const rows: [number, string | null, string | null, number | null][] = [
        [1, null, null, null], // never finished
        [2, 'now()', null, null], // finished without stats
        [3, 'now()', '{}', null], // not published
        [4, 'now()', '{}', 7], // published
      ];
      for (const [n, finished, stats, published] of rows) {
        await db.query(
          `INSERT INTO directory_import (id, trust_id, source, started_at, finished_at, stats, published_version) VALUES ($1, 't1', 'feed', now(), ${finished ?? 'NULL'}, $2, $3)`,
          [id(n), stats, published],
        );
      }
      expect(await stepUp(db)).toBe(5);
      expect(await db.query('SELECT id, status FROM directory_import ORDER BY id')).toEqual([
        { id: id(1), status: 'interrupted' },
        { id: id(2), status: 'failed' },
        { id: id(3), status: 'not_published' },
        { id: id(4), status: 'published' },
      ]);
      await db.query("INSERT INTO directory_import (id, trust_id, source, started_at, status) VALUES ($1, 't1', 'feed', now(), 'running')", [id(5)]);
      await expect(db.query("INSERT INTO directory_import (id, trust_id, source, started_at, status) VALUES ($1, 't1', 'feed', now(), 'running')", [id(6)])).rejects.toThrow(/unique|duplicate/i);
      await expect(db.query("INSERT INTO directory_import (id, trust_id, source, started_at, status) VALUES ($1, 't1', 'other', now(), 'paused')", [id(7)])).rejects.toThrow(/directory_import_status/);
      await db.query("INSERT INTO directory_import_record (import_id, seq, place, outcome, defects) VALUES ($1, 1, 'services[0]', 'imported', '[]')", [id(5)]);
      await db.query('DELETE FROM directory_import WHERE id = $1', [id(5)]);
      expect(await db.query('SELECT * FROM directory_import_record')).toEqual([]);
    } finally {
      await close();
    }
  });
});
