import { pino, type Logger } from 'pino';
import { keyEncryptionKeys } from '../../server/src/auth/key-encryption';
import { builtInIssuer } from '../../server/src/auth/issuer';
import { loadSigningKeys } from '../../server/src/auth/signing-keys';
import { signAccessToken } from '../../server/src/auth/tokens';
import { loadConfig, type ServerConfig } from '../../server/src/config';
import { connectPostgres } from '../../server/src/db/db';
import { startServer, type RunningServer } from '../../server/src/runtime/start-server';
import { freePort } from '../support/free-port';
import { testServerEnv, type TestServerEnv } from '../support/server-env';
import { createTestDatabase } from '../support/test-database';

/**
 * Several API nodes over one real PostgreSQL, as behind a load balancer: each its own process
 * state (pool, hint listener, timers) and DATA_DIR, one public URL (the issuer of the built-in
 * provider) and one signing-key secret. Demo trusts and users are seeded (password demo-password).
 * Tests send each request to a node of their choosing.
 */
export interface ApiNodes {
  nodes: RunningServer[];
  /** Each node's own address. */
  urls: string[];
  config: ServerConfig;
  /** An access token for a demo user, signed with the provider's own key. */
  tokenFor(user: { userId: string; trustId: string; teamId: string | null; roles: ('clinician' | 'team_lead' | 'admin')[]; displayName: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startApiNodes(count: number, env: Record<string, string> = {}, options: { log?: (node: number) => Logger } = {}): Promise<ApiNodes> {
  const database = await createTestDatabase();
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const publicUrl = `http://127.0.0.1:${ports[0]}`;
  const shared = testServerEnv('crisis-desk-node-');
  const dirs: TestServerEnv[] = [];
  const nodes: RunningServer[] = [];
  let config!: ServerConfig;
  // One after the other: the first migrates and seeds, the others find it done.
  for (const [i, port] of ports.entries()) {
    const dir = testServerEnv('crisis-desk-node-');
    dirs.push(dir);
    config = loadConfig({
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      DEMO: '1',
      LOG_LEVEL: 'silent',
      DATABASE_URL: database.url,
      DATA_DIR: dir.env.DATA_DIR,
      SIGNING_KEY_ENCRYPTION_KEY: shared.env.SIGNING_KEY_ENCRYPTION_KEY,
      ...env,
    });
    nodes.push(await startServer(config, { log: options.log?.(i) ?? pino({ level: 'silent' }), db: connectPostgres(database.url), graceMs: 2_000 }));
  }
  return {
    nodes,
    urls: ports.map((p) => `http://127.0.0.1:${p}`),
    config,
    async tokenFor(user) {
      const keys = await loadSigningKeys(nodes[0]!.deps.db, keyEncryptionKeys(config));
      return signAccessToken(keys.active, user, { issuer: builtInIssuer(config), audience: config.OIDC_AUDIENCE, ttlSeconds: 600, clientId: 'crisis-desk' });
    },
    async close() {
      for (const n of nodes) await n.stop();
      await database.drop();
      for (const d of [shared, ...dirs]) d.remove();
    },
  };
}

export const CLINICIAN_SOUTH = { userId: 'clinician.south', trustId: 'demo-south', teamId: 'demo-south-day', roles: ['clinician' as const], displayName: 'Demo Clinician (Southvale day)' };
