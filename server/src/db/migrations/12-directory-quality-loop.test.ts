import { describe, expect, it } from 'vitest';
import { seedTrust, serverDbAt, stepUp } from '../../../../test/support/server-migration-steps';

const id = (n: number) => `0190a000-0000-7000-8000-00000000050${n}`;

describe('server step 12: the directory quality loop', () => {
  it('records the versions published by imports before it, the newest import of each, and guards reports', async () => {
    const { db, close } = await serverDbAt(11);
    try {
      await seedTrust(db);
      const imports: [number, number | null, string][] = [
        [1, 4, '2026-01-01T10:00:00Z'],
        [2, 5, '2026-01-02T10:00:00Z'],
        // Two imports that both name version 5: the later one made it.
        [3, 5, '2026-01-03T10:00:00Z'],
        [4, null, '2026-01-04T10:00:00Z'],
      ];
      for (const [n, version, at] of imports) {
        await db.query(
          "INSERT INTO directory_import (id, trust_id, source, started_at, finished_at, stats, published_version, status, started_by) VALUES ($1, 't1', 'feed', $2, $2, '{}', $3, $4, 'u1')",
          [id(n), at, version, version === null ? 'not_published' : 'published'],
        );
      }
      expect(await stepUp(db)).toBe(12);
      expect(await db.query("SELECT version::int AS version, cause, import_id FROM directory_version WHERE trust_id = 't1' ORDER BY version")).toEqual([
        { version: 4, cause: 'import', import_id: id(1) },
        { version: 5, cause: 'import', import_id: id(3) },
      ]);
      await expect(
        db.query(`INSERT INTO directory_report (id, trust_id, service_id, service_name, kind, reported_by, client_id, reported_at, resolution)
          VALUES ($1, 't1', 's1', 'Synthetic', 'other', 'u1', $1, now(), 'dismissed')`, [id(9)]),
      ).rejects.toThrow(/check/i);
      await expect(
        db.query("INSERT INTO directory_report (id, trust_id, service_id, service_name, kind, reported_by, client_id, reported_at) VALUES ($1, 't1', 's1', 'Synthetic', 'no_such_kind', 'u1', $1, now())", [id(8)]),
      ).rejects.toThrow(/check/i);
      await expect(db.query("INSERT INTO console_session (id_hash, user_id, expires_at) VALUES ('h', 'u1', now())")).rejects.toThrow(/check/i);
    } finally {
      await close();
    }
  });
});
