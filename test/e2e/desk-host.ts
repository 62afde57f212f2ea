import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freshAddress, loadHostAccess } from '../../electron/host/host-access';
import { launchHost, stopProcess } from '../support/host-process';

const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

export interface DeskHost {
  /** The address the host printed: it opens one tab, once. */
  url: string;
  dataDir: string;
  /** Another address that opens one tab (as `./desk open` makes): for a tab after one was closed. */
  freshAddress(): string;
  /**
   * Stops the host and starts it again on the same data (a restart of the desk): it forgets the
   * sessions it held in memory. Resolves with its new address.
   */
  restart(): Promise<string>;
  stop(): Promise<void>;
}

/** Sync timings short enough for a test to watch an outage end (the defaults wait up to minutes). */
export const TEST_SYNC_TUNING = { watchdogMs: 500, backoffBaseMs: 200, backoffCapMs: 1500, timeoutMs: 5000, idleTimeoutMs: 5000 };

/**
 * A desk core and browser host on a fresh temp folder, as a separate process (exactly
 * `tsx electron/host/main.ts`), so the screen is tested as it runs. Without a server it gets a
 * generated demo directory (none with `services: 0`); with one (`server`), it syncs with it and downloads the directory
 * from it once a clinician signs in, as a new desk does.
 */
export async function startDeskHost({ services = 3000, server }: { services?: number; server?: string } = {}): Promise<DeskHost> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-e2e-'));
  // services: 0 is a desk with no directory yet (the core creates an empty one).
  if (!server && services > 0) {
    execFileSync(tsx, ['scripts/generate-directory.ts', '--count', String(services), '--seed', '1', '--out', path.join(dataDir, 'directory.db')], { cwd: root, stdio: 'pipe' });
  }
  const args = ['electron/host/main.ts', '--data', dataDir, '--renderer', path.join(root, 'dist/renderer'), '--port', '0', ...(server ? ['--server', server] : [])];
  const launch = () => launchHost(tsx, args, { cwd: root, env: { ...process.env, CRISIS_DESK_SYNC_TUNING: JSON.stringify(TEST_SYNC_TUNING) } });
  let running = launch();
  const host: DeskHost = {
    url: await running.url,
    dataDir,
    freshAddress: () => freshAddress(loadHostAccess(dataDir)),
    async restart() {
      await stopProcess(running.child);
      running = launch();
      host.url = await running.url;
      return host.url;
    },
    async stop() {
      await stopProcess(running.child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return host;
}
