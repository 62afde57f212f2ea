/*
 * The browser host as a program: opens a desk core on a data folder and serves the built screen
 * to a browser on this machine.
 *   tsx electron/host/main.ts [--data .data/desk] [--renderer dist/renderer] [--port 0] [--open] [--server URL]
 * CRISIS_DESK_SYNC_TUNING (JSON: watchdogMs, backoffBaseMs, backoffCapMs, timeoutMs, idleTimeoutMs)
 * shortens sync's timings for tests; a trust desk keeps the defaults.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Core } from '../core/core';
import { describeStorageError } from '../core/db/sqlite-errors';
import { toContractError } from '../core/dispatch';
import { syncOptionsOf, type SyncTuning } from '../core/sync/sync-tuning';
import { startBrowserHost } from './browser-host';
import { loadOrCreateDeskKey } from './desk-key-file';
import { OidcSession } from './oidc-session';
import { signInRoutes } from './sign-in-routes';

const root = path.resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: path.join(root, '.data', 'desk') },
    renderer: { type: 'string', default: path.join(root, 'dist', 'renderer') },
    port: { type: 'string', default: '0' },
    open: { type: 'boolean', default: false },
    /** The central API to sync with (and sign in at); without it the desk works offline only. */
    server: { type: 'string' },
  },
});

/** Sync timings from CRISIS_DESK_SYNC_TUNING (tests): positive numbers only, anything else keeps its default. */
function syncTuning(): SyncTuning | undefined {
  const raw = process.env.CRISIS_DESK_SYNC_TUNING;
  if (!raw) return undefined;
  const t = JSON.parse(raw) as Record<string, unknown>;
  const ms = (k: keyof SyncTuning) => (typeof t[k] === 'number' && Number.isFinite(t[k]) && t[k] > 0 ? t[k] : undefined);
  return { watchdogMs: ms('watchdogMs'), timeoutMs: ms('timeoutMs'), idleTimeoutMs: ms('idleTimeoutMs'), backoffBaseMs: ms('backoffBaseMs'), backoffCapMs: ms('backoffCapMs') };
}

const dataDir = path.resolve(values.data!);
const rendererDir = path.resolve(values.renderer!);
if (!existsSync(path.join(rendererDir, 'index.html'))) {
  console.error(`No built screen in ${rendererDir}: run \`npm run build:renderer\` first.`);
  process.exit(1);
}
let hostPort = 0;
const session = values.server ? new OidcSession(values.server, () => `http://127.0.0.1:${hostPort}/auth/callback`) : null;

/** The desk, or the reason it cannot start said as the desktop app says it (a full disk as a full disk), and exit. */
function openCore(): Core {
  try {
    mkdirSync(dataDir, { recursive: true });
    return Core.open({
      dataDir,
      geoDir: path.join(root, 'data', 'geo'),
      deskKey: loadOrCreateDeskKey(path.join(dataDir, 'host-desk.key')),
      sync: session && values.server ? { serverUrl: values.server, tokens: session, ...syncOptionsOf(syncTuning()) } : undefined,
    });
  } catch (e) {
    const error = describeStorageError(e, { dataDir, when: 'start' }) ?? toContractError(e);
    console.error(error.code === 'internal' ? `Crisis Desk cannot start: ${e instanceof Error ? e.message : String(e)}` : error.message);
    process.exit(1);
  }
}
const core = openCore();
core.on('core.warning', (w) => console.warn(`warning: ${w.message}`));
const host = await startBrowserHost({ core, rendererDir, port: Number(values.port), extraRoutes: session ? signInRoutes(session) : undefined });
hostPort = host.port;
console.log(`Crisis Desk is running at ${host.url}`);
setImmediate(() => core.warmUp());
if (values.open) {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  spawn(opener, [host.url], { stdio: 'ignore', detached: true }).on('error', () => {}).unref();
}

const stop = async () => {
  await host.close();
  core.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
