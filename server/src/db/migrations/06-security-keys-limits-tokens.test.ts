import { describe, expect, it } from 'vitest';
import { serverDbAt, stepUp } from '../../../../test/support/server-migration-steps';

describe('server step 6: sealed signing keys, sign-in limits, hint streams, access tokens by sign-in', () => {
  it('retires every key stored in plain text and drops its private half', async () => {
    const { db, close } = await serverDbAt(5);
    try {
      await db.query(`INSERT INTO signing_key (kid, private_jwk, public_jwk) VALUES ('k1', '{"d":"synthetic"}', '{"x":"1"}')`);
      await db.query(`INSERT INTO signing_key (kid, private_jwk, public_jwk, retired_at) VALUES ('k0', '{"d":"synthetic"}', '{"x":"0"}', now() - interval '30 days')`);
      expect(await stepUp(db)).toBe(6);
      const keys = await db.query<{ kid: string; old: boolean; private_jwe: string | null }>(
        "SELECT kid, retired_at <= now() - interval '2 days' AS old, private_jwe FROM signing_key ORDER BY kid",
      );
      expect(keys).toEqual([{ kid: 'k0', old: true, private_jwe: null }, { kid: 'k1', old: true, private_jwe: null }]);
      expect(await db.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'signing_key' AND column_name = 'private_jwk'")).toEqual([]);
      await db.query("INSERT INTO sign_in_limit (key, points) VALUES ('h', 1)");
      await db.query("INSERT INTO hint_stream (id, user_id, desk, node) VALUES ('0190a000-0000-7000-8000-000000000201', 'u1', 'd1', 'n1')");
      await db.query("INSERT INTO issued_access_token (jti, family_id, expires_at) VALUES ('j1', '0190a000-0000-7000-8000-000000000202', now())");
      await db.query("INSERT INTO server_secret (name, value) VALUES ('log_pseudonym', 'synthetic')");
    } finally {
      await close();
    }
  });
});
