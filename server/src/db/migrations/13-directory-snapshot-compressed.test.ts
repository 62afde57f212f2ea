import { describe, expect, it } from 'vitest';
import { seedTrust, serverDbAt, stepUp } from '../../../../test/support/server-migration-steps';

const sha = (c: string) => c.repeat(64);

describe('server step 13: directory snapshots stored compressed', () => {
  it('keeps snapshots stored before it as installed, and holds a compressed one to both hashes', async () => {
    const { db, close } = await serverDbAt(12);
    try {
      await seedTrust(db);
      for (const [n, c] of [[1, 'a'], [2, 'b'], [3, 'c']] as const) {
        const content = `0190a000-0000-7000-8000-00000000130${n}`;
        await db.query("INSERT INTO artefact_chunk (content_id, n, data) VALUES ($1, 0, '\\x00'::bytea)", [content]);
        await db.query("INSERT INTO artefact (sha256, content_id, bytes, sha512, chunk_bytes, content_type) VALUES ($1, $2, 1, 's', 1, 'application/octet-stream')", [sha(c), content]);
      }
      await db.query("INSERT INTO directory_snapshot (sha256, trust_id, version, bytes, services) VALUES ($1, 't1', 3, 1, 1)", [sha('a')]);
      expect(await stepUp(db)).toBe(13);
      expect(await db.query('SELECT encoding, installed_sha256, installed_bytes FROM directory_snapshot')).toEqual([{ encoding: null, installed_sha256: null, installed_bytes: null }]);
      // A compressed copy must say what it installs as; an unknown encoding is refused.
      await expect(db.query("INSERT INTO directory_snapshot (sha256, trust_id, version, bytes, services, encoding) VALUES ($1, 't1', 4, 1, 1, 'zstd')", [sha('b')])).rejects.toThrow(/directory_snapshot_encoded/);
      await expect(
        db.query("INSERT INTO directory_snapshot (sha256, trust_id, version, bytes, services, encoding, installed_sha256, installed_bytes) VALUES ($1, 't1', 4, 1, 1, 'gzip', $2, 10)", [sha('b'), sha('d')]),
      ).rejects.toThrow(/check/i);
      await db.query("INSERT INTO directory_snapshot (sha256, trust_id, version, bytes, services, encoding, installed_sha256, installed_bytes) VALUES ($1, 't1', 4, 1, 1, 'zstd', $2, 10)", [sha('b'), sha('d')]);
      expect(await db.query('SELECT sha256 FROM directory_snapshot WHERE installed_sha256 = $1', [sha('d')])).toEqual([{ sha256: sha('b') }]);
    } finally {
      await close();
    }
  });
});
