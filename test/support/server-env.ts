import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What a server started in a test needs in its environment: a private DATA_DIR, and the secret that seals its signing keys. */
export interface TestServerEnv {
  env: { DATA_DIR: string; SIGNING_KEY_ENCRYPTION_KEY: string };
  remove(): void;
}

/** A fresh DATA_DIR (mkdtemp makes it 0700) and a random sealing secret, made for one test file. */
export function testServerEnv(prefix = 'crisis-desk-server-'): TestServerEnv {
  const dataDir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    env: { DATA_DIR: dataDir, SIGNING_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') },
    remove: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
