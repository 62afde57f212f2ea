import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { importJWK, type JWK } from 'jose';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { builtInIssuer } from '../../server/src/auth/issuer';
import { DEMO_SECRET_FILE } from '../../server/src/auth/key-encryption';
import { generateSigningKey, signAccessToken, type SigningKey } from '../../server/src/auth/tokens';
import { loadConfig, type ServerConfig } from '../../server/src/config';
import { openPglite, type Db } from '../../server/src/db/db';
import { MIGRATIONS, splitStatements } from '../../server/src/db/migrations';
import { secureDataDir } from '../../server/src/runtime/data-dir';
import { startServer, type RunningServer } from '../../server/src/runtime/start-server';
import { freePort } from '../support/free-port';

/*
 * Finding 1 of the security probe: the built-in provider's private signing key was stored in the
 * database as a plain JWK, and PGlite's data folder was created world-readable and writable
 * (files 0666): copying the folder gave the key, and a token minted with it as another trust's
 * admin was accepted. Now the key is sealed under a secret that is not in the database, DATA_DIR
 * is 0700 with files 0600, and a DATA_DIR others can read is refused.
 */

const silent = pino({ level: 'silent' });
const SECRET_A = 'a-test-only-sealing-secret-aaaaaaaaaaaaaaaaaaaaaa';
const SECRET_B = 'b-test-only-sealing-secret-bbbbbbbbbbbbbbbbbbbbbb';
const ADMIN_NORTH = { userId: 'admin.north', trustId: 'demo-north', teamId: null, roles: ['admin' as const], displayName: 'Forged' };

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-at-rest-'));
  made.push(dir);
  return dir;
}

async function serverConfig(env: Record<string, string>): Promise<ServerConfig> {
  const port = await freePort();
  return loadConfig({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'silent', ...env });
}

/** Every file and folder under dir, with its permission bits. */
function modes(dir: string): { file: string; mode: number }[] {
  const out: { file: string; mode: number }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    out.push({ file, mode: statSync(file).mode & 0o777 });
  }
  return out;
}

async function probe(server: RunningServer, token: string) {
  const r = await fetch(`${server.url}/v1/summaries/shift?teamId=demo-north-day&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z`, { headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, body: (await r.json()) as { error?: string } };
}

async function forgeWith(key: SigningKey, config: ServerConfig): Promise<string> {
  return signAccessToken(key, ADMIN_NORTH, { issuer: builtInIssuer(config), audience: config.OIDC_AUDIENCE, ttlSeconds: 600, clientId: 'crisis-desk' });
}

describe('signing keys at rest and the data folder', () => {
  it('a copy of the demo’s data folder yields no private key, and a token forged without it is refused', { timeout: 120_000 }, async () => {
    const dataDir = path.join(tempDir(), 'server');
    const config = await serverConfig({ DEMO: '1', DATA_DIR: dataDir });
    let server = await startServer(config, { log: silent });
    const kid = (await server.deps.db.query<{ kid: string }>('SELECT kid FROM signing_key WHERE retired_at IS NULL'))[0]!.kid;
    await server.stop();

    // Only the server's user can read anything it made: DATA_DIR 0700, PGlite's files 0600.
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const open = modes(dataDir).filter((m) => (m.mode & 0o077) !== 0);
    expect(open).toEqual([]);
    expect(statSync(path.join(dataDir, DEMO_SECRET_FILE)).mode & 0o777).toBe(0o600);

    // The probe's attack: copy the database folder and look for the key in it.
    const copy = path.join(tempDir(), 'copy');
    cpSync(path.join(dataDir, 'pglite'), copy, { recursive: true });
    const stolen: Db = await openPglite(copy);
    const rows = await stolen.query<Record<string, unknown>>('SELECT * FROM signing_key');
    await stolen.close();
    expect(rows.length).toBeGreaterThan(0);
    const text = JSON.stringify(rows);
    expect(text).not.toMatch(/"d"\s*:/); // no JWK private parameter anywhere
    for (const row of rows) {
      for (const value of Object.values(row)) {
        if (value && typeof value === 'object' && 'kty' in value) await expect(importJWK({ ...(value as JWK) }, 'ES256').then((k) => (k as CryptoKey).type)).resolves.toBe('public');
      }
    }

    // Without the key, a token for another trust's admin is made with the attacker's own key under the real key id: refused.
    const attacker = await generateSigningKey();
    server = await startServer(config, { log: silent });
    try {
      const forged = await forgeWith({ ...attacker, kid }, config);
      expect(await probe(server, forged)).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    } finally {
      await server.stop();
    }
  });

  it('refuses to start on a data folder other users can read, saying what to do', async () => {
    const dataDir = tempDir();
    chmodSync(dataDir, 0o755);
    expect(() => secureDataDir(dataDir)).toThrow(/can be read or entered by other users.*mode 755.*chmod -R go-rwx/);
    const config = await serverConfig({ DEMO: '1', DATA_DIR: dataDir });
    await expect(startServer(config, { log: silent })).rejects.toThrow(/chmod -R go-rwx/);
    chmodSync(dataDir, 0o700);
    expect(secureDataDir(dataDir)).toBe(dataDir);
  });

  it('will not run the built-in provider without a sealing key outside the database, and says how to make one', async () => {
    const config = await serverConfig({ DATA_DIR: tempDir() });
    await expect(startServer(config, { log: silent, db: await openPglite() })).rejects.toThrow(/openssl rand.*SIGNING_KEY_ENCRYPTION_KEY_FILE/s);
    await expect(startServer(await serverConfig({ DATA_DIR: tempDir(), SIGNING_KEY_ENCRYPTION_KEY: 'too-short' }), { log: silent, db: await openPglite() })).rejects.toThrow(/shorter than 32 characters/);
  });

  it('refuses a key sealed with another secret, opens it with the old secret listed second, and seals it afresh', async () => {
    const db = await openPglite();
    const dir = tempDir();
    // The database outlives each server; the test closes it at the end.
    const keepOpen: Db = { ...db, close: async () => {} };
    const first = await startServer(await serverConfig({ DATA_DIR: dir, SIGNING_KEY_ENCRYPTION_KEY: SECRET_A }), { log: silent, db: keepOpen });
    const kid = (await db.query<{ kid: string }>('SELECT kid FROM signing_key WHERE retired_at IS NULL'))[0]!.kid;
    await first.stop();

    await expect(startServer(await serverConfig({ DATA_DIR: dir, SIGNING_KEY_ENCRYPTION_KEY: SECRET_B }), { log: silent, db: keepOpen })).rejects.toThrow(/sealed with another SIGNING_KEY_ENCRYPTION_KEY/);

    const rotated = await startServer(await serverConfig({ DATA_DIR: dir, SIGNING_KEY_ENCRYPTION_KEY: `${SECRET_B}\n${SECRET_A}` }), { log: silent, db: keepOpen });
    await rotated.stop();
    const again = await startServer(await serverConfig({ DATA_DIR: dir, SIGNING_KEY_ENCRYPTION_KEY: SECRET_B }), { log: silent, db: keepOpen });
    await again.stop();
    // The same key throughout: nobody was signed out by the change.
    expect((await db.query<{ kid: string }>('SELECT kid FROM signing_key WHERE retired_at IS NULL'))[0]!.kid).toBe(kid);
    await db.close();
  });

  it('retires a key an earlier version stored in plain text, so a token minted with a copy of it is refused', async () => {
    const db = await openPglite();
    const keepOpen: Db = { ...db, close: async () => {} };
    // The schema as the earlier version left it, with its plain-text key.
    await db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const before = MIGRATIONS.filter((m) => m.version < MIGRATIONS.find((x) => x.sql.includes('DROP COLUMN private_jwk'))!.version);
    for (const m of before) {
      for (const statement of splitStatements(m.sql)) await db.query(statement);
      await db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    const old = await generateSigningKey();
    await db.query('INSERT INTO signing_key (kid, private_jwk, public_jwk) VALUES ($1, $2, $3)', [old.kid, old.privateJwk, old.publicJwk]);

    const config = await serverConfig({ DEMO: '1', DATA_DIR: tempDir(), SIGNING_KEY_ENCRYPTION_KEY: SECRET_A });
    const stolenCopyToken = await forgeWith(old, config);
    const server = await startServer(config, { log: silent, db: keepOpen });
    try {
      const columns = await db.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'signing_key'");
      expect(columns.map((c) => c.column_name)).not.toContain('private_jwk');
      expect(JSON.stringify(await db.query('SELECT * FROM signing_key'))).not.toMatch(/"d"\s*:/);
      expect(await probe(server, stolenCopyToken)).toMatchObject({ status: 401 });
      const [active] = await db.query<{ kid: string }>('SELECT kid FROM signing_key WHERE retired_at IS NULL');
      expect(active!.kid).not.toBe(old.kid);
    } finally {
      await server.stop();
      await db.close();
    }
  });
});
