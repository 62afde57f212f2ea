/*
 * The browser host as a program: opens a desk core on a data folder and serves the built screen
 * to a browser on this machine.
 *   tsx electron/host/main.ts [--data .data/desk] [--renderer dist/renderer] [--port N] [--open] [--server URL]
 * The port and secret are kept in the data folder (host-access.ts), so a restart comes back at the
 * same address and open tabs reconnect; --port N asks for that port instead. It prints an address
 * with a one-time code (a fresh one at each start; `./desk open` makes more), and --open opens it
 * through a file readable by this user only, never with the code on a command line.
 * CRISIS_DESK_SYNC_TUNING (JSON: watchdogMs, backoffBaseMs, backoffCapMs, timeoutMs, idleTimeoutMs)
 * shortens sync's timings for tests; a trust desk keeps the defaults.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Core } from '../core/core';
import { describeStorageError } from '../core/db/sqlite-errors';
import { hasErrorCode } from '../../shared/contract';
import { toContractError } from '../core/dispatch';
import { describeStart, markStart } from '../core/start-steps';
import { syncOptionsOf, type SyncTuning } from '../core/sync/sync-tuning';
import { startBrowserHost } from './browser-host';
import { DEFAULT_DATA_DIR } from './data-dir';
import { loadOrCreateDeskKey } from './desk-key-file';
import { exportFolder, exportRoutes } from './export-routes';
import { CODE_TTL_MS, loadHostAccess, saveHostAccess } from './host-access';
import { openInBrowser } from './open-in-browser';
import { OidcSession } from './oidc-session';
import { signInRoutes } from './sign-in-routes';

// Every import above has been evaluated by now.
markStart('code-loaded');
const root = path.resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: DEFAULT_DATA_DIR },
    renderer: { type: 'string', default: path.join(root, 'dist', 'renderer') },
    /** Without it (or 0): the port kept in the data folder, else a free one. */
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
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    return Core.open({
      dataDir,
      geoDir: path.join(root, 'data', 'geo'),
      deskKey: loadOrCreateDeskKey(path.join(dataDir, 'host-desk.key')),
      sync: session && values.server ? { serverUrl: values.server, tokens: session, ...syncOptionsOf(syncTuning()) } : undefined,
    });
  } catch (e) {
    const error = describeStorageError(e, { dataDir, when: 'start' }) ?? toContractError(e);
    console.error(hasErrorCode(error, 'internal') ? `Crisis Desk cannot start: ${e instanceof Error ? e.message : String(e)}` : error.message);
    process.exit(1);
  }
}
const core = openCore();
core.on('core.warning', (w) => console.warn(`warning: ${w.message}`));
const kept = loadHostAccess(dataDir, (m) => console.warn(`warning: ${m}`));
const asked = Number(values.port);
if (!Number.isInteger(asked) || asked < 0 || asked > 65535) {
  console.error(`--port ${values.port}: give a port number (1–65535), or 0 for the one this desk used before.`);
  process.exit(2);
}
/** Shift summary files: made for a tab holding this launch's session, then downloaded once by their link. */
const { exports: extraRoutes, downloads: downloadRoutes } = exportRoutes(core, exportFolder(dataDir));
// Each start is a new launch: addresses printed by an earlier one no longer open anything.
const launch = kept.launch + 1;
const host = await startBrowserHost({
  core,
  rendererDir,
  port: asked > 0 ? asked : kept.port,
  anyPortIfTaken: !(asked > 0),
  secret: kept.secret,
  extraRoutes,
  downloadRoutes,
  launch,
  signInRoutes: session ? signInRoutes(session) : undefined,
});
hostPort = host.port;
saveHostAccess(dataDir, { port: host.port, secret: host.secret, launch });
if (kept.port > 0 && host.port !== kept.port && !(asked > 0)) {
  console.warn(`warning: port ${kept.port}, where this desk ran before, is taken by another program: the desk has a new address, and tabs open at the old one must be opened again from it.`);
}
markStart('answering');
console.log(`Crisis Desk is running at ${host.url}`);
console.log(`  (${describeStart()})`);
const openCommand = dataDir === DEFAULT_DATA_DIR ? './desk open' : `./desk open --data ${dataDir}`;
console.log(`  (it opens one tab, once, within ${CODE_TTL_MS / 60_000} minutes; open tabs carry on by themselves; for another address: ${openCommand})`);
core.warmUpWhenSearchesPause();
if (values.open) openInBrowser(dataDir, host.newAddress());

const stop = async () => {
  await host.close();
  core.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
// Started by `./desk start` (with an IPC channel): if that supervisor goes, so does the host, rather
// than stay behind holding the port and desk.db for a second one to trip over.
process.on('disconnect', () => void stop());
