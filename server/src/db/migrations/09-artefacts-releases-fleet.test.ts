import { describe, expect, it } from 'vitest';
import { seedTrust, serverDbAt, stepUp } from '../../../../test/support/server-migration-steps';

const SHA = 'a'.repeat(64);

describe('server step 9: artefacts, releases, the fleet', () => {
  it('stores artefacts that never change, and releases whose files must be stored artefacts', async () => {
    const { db, close } = await serverDbAt(8);
    try {
      await seedTrust(db);
      expect(await stepUp(db)).toBe(9);
      const content = '0190a000-0000-7000-8000-000000000301';
      await db.query("INSERT INTO artefact_chunk (content_id, n, data) VALUES ($1, 0, '\\x00'::bytea)", [content]);
      await db.query("INSERT INTO artefact (sha256, content_id, bytes, sha512, chunk_bytes, content_type) VALUES ($1, $2, 1, 's', 1, 'application/octet-stream')", [SHA, content]);
      await expect(db.query('UPDATE artefact SET bytes = 2')).rejects.toThrow(/immutable/);
      await expect(db.query("UPDATE artefact_chunk SET data = '\\x01'::bytea")).rejects.toThrow(/immutable/);
      await expect(db.query("INSERT INTO artefact (sha256, content_id, bytes, sha512, chunk_bytes, content_type) VALUES ('NOTAHASH', $1, 1, 's', 1, 't')", ['0190a000-0000-7000-8000-000000000302'])).rejects.toThrow(/check/i);
      await db.query("INSERT INTO app_release (trust_id, version, stage, created_by) VALUES ('t1', '1.2.0', 'pilot', 'u1')");
      await db.query("INSERT INTO app_release_file (trust_id, version, platform, arch, kind, file_name, sha256) VALUES ('t1', '1.2.0', 'win32', 'x64', 'nsis', 'a.exe', $1)", [SHA]);
      await expect(db.query("INSERT INTO app_release_file (trust_id, version, platform, arch, kind, file_name, sha256) VALUES ('t1', '1.2.0', 'linux', 'x64', 'deb', 'a.deb', $1)", ['b'.repeat(64)])).rejects.toThrow(/foreign key/i);
      await db.query("INSERT INTO desk_report (trust_id, desk_id, user_id, version, platform, arch, ring, update_mode, policy_hash) VALUES ('t1', 'd1', 'u1', '1.2.0', 'win32', 'x64', 'pilot', 'auto', 'h')");
    } finally {
      await close();
    }
  });
});
