/*
 * `npm start` (./desk start): the whole product on this machine with no configuration. Starts the
 * central API on an embedded PGlite with the demo trusts, users and directory, then the desk: the
 * desktop app where the Electron binary is available, otherwise the browser host (its address is
 * printed and opened in the default browser when there is one).
 *
 * It supervises what it starts: the server and the browser host are parts that may stop (a crash,
 * a kill) without stopping the desk. A stopped server is started again with backoff while the desk
 * carries on offline; a stopped browser host comes back at the same address (its port and secret
 * are kept in the data folder), so open tabs reconnect by themselves. Ctrl+C stops everything.
 * Each address printed carries a one-time code (it opens one tab, once); Enter in this terminal
 * prints (and opens) a fresh one, for a tab that was closed or another browser.
 *   ./desk start [--data DIR] [--no-open]      PORT=… picks the server’s port (default near 8787)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { openInBrowser } from '../electron/host/open-in-browser';
import { CORE_PROCESS_ENV, CORE_PROCESS_V8_FLAGS } from '../electron/node/core-process';
import { freshDeskAddress } from './desk-address';
import { electronBinary } from './electron-binary';
import { HOST_RESTARTS, SERVER_RESTARTS } from './supervisor/restart-policy';
import { SupervisedProcess } from './supervisor/supervised-process';
import { generateDirectory, loadEnglandSectors } from './synthetic/generate-directory';
import { writeDirectoryNdjson } from './synthetic/write-ndjson';

const root = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    /** Where the demo server's data and the desk's data live. */
    data: { type: 'string', default: path.join(root, '.data') },
    /** Do not open the desk in a browser (it is opened when there is a desktop). */
    'no-open': { type: 'boolean', default: false },
  },
});
const dataDir = path.resolve(args.data!);
const rendererOut = path.join(root, 'dist', 'renderer');
const parts: SupervisedProcess[] = [];
let app: ChildProcess | null = null;
const say = (line: string) => console.log(line);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function buildScreenIfStale(): void {
  const index = path.join(rendererOut, 'index.html');
  const sources = Math.max(newestMtime(path.join(root, 'renderer')), newestMtime(path.join(root, 'shared')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  console.log('Building the screen…');
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', 'renderer', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('The screen did not build (see above).');
}

function demoDirectoryFile(): string {
  const file = path.join(dataDir, 'demo-directory.ndjson');
  if (!existsSync(file)) {
    const services = generateDirectory({ seed: 1, count: 3000, sectors: loadEnglandSectors(path.join(root, 'data', 'geo')) });
    writeDirectoryNdjson(file, services);
  }
  return file;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function choosePort(preferred: number): Promise<number> {
  for (let port = preferred; port < preferred + 50; port++) if (await portIsFree(port)) return port;
  throw new Error(`No free port near ${preferred}: set PORT.`);
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/** Resolves once the server answers /health; rejects if its process ends first or after a minute. */
async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('it stopped');
    if (await healthy(url)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no answer within a minute');
}

/** Resolves with the address the browser host prints once it answers; rejects if it ends first. */
function hostAddress(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', () => reject(new Error('it stopped')));
  });
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

let stopping = false;
async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all([
    ...parts.map((p) => p.stop()),
    new Promise((resolve) => {
      if (!app || app.exitCode !== null || app.signalCode !== null) return resolve(null);
      app.once('exit', resolve);
      app.kill('SIGTERM');
    }),
  ]);
  process.exit(code);
}
const stopAsked = () => {
  if (!stopping) say('Stopping Crisis Desk…');
  void stop();
};
process.on('SIGINT', stopAsked);
process.on('SIGTERM', stopAsked);

/**
 * The demo's data is only the server's user's: the server refuses a DATA_DIR others can read.
 * A .data/server made by an earlier version (0755) is the demo's own, with invented data: it is
 * tightened here, and the server tightens its database files when it opens them.
 */
function privateDemoData(): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  for (const dir of [dataDir, path.join(dataDir, 'server')]) {
    if (existsSync(dir) && (statSync(dir).mode & 0o077) !== 0) {
      chmodSync(dir, 0o700);
      console.log(`Made ${path.relative(root, dir)} readable by you only (it was made by an earlier version).`);
    }
  }
}

try {
  privateDemoData();
  buildScreenIfStale();
  const port = await choosePort(Number(process.env.PORT ?? 8787));
  const serverUrl = `http://127.0.0.1:${port}`;
  const serverEnv = {
    DEMO: '1',
    DEMO_DIRECTORY_FILE: demoDirectoryFile(),
    DATA_DIR: path.join(dataDir, 'server'),
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: serverUrl,
  };
  const server = new SupervisedProcess({
    name: 'The server',
    spawn: () =>
      spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
        cwd: root,
        env: { ...process.env, ...serverEnv, LOG_LEVEL: 'warn' },
        // The IPC channel closes if this supervisor dies: the server then stops too (server/src/main.ts).
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    policy: SERVER_RESTARTS,
    ready: (child) => waitForHealth(serverUrl, child),
    startedElsewhere: async () => ((await healthy(serverUrl)) ? `A server already answers at ${serverUrl} (started on its own?).` : null),
    say,
    describe: (c) => `at ${serverUrl} (process ${c.pid})`,
    meanwhile: 'The desk keeps running and keeps every record on this computer; it syncs when the server is back.',
    onItsOwn: `cd ${shellQuote(root)} && ${Object.entries(serverEnv)
      .map(([k, v]) => `${k}=${shellQuote(v)}`)
      .join(' ')} ./desk run server`,
    // Safe to say at every stop: the server refuses a data folder another one has open.
    onItsOwnAtEveryStop: true,
    onGiveUp: () => say('The desk carries on offline; it syncs with a server at that address as soon as one answers there.'),
  });
  parts.push(server);
  // The desk starts even when the server does not: it works offline.
  await server.start();

  const electron = electronBinary();
  if (electron) {
    console.log('Starting the Crisis Desk desktop app…');
    const built = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-desktop.ts', '--skip-renderer'], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('The desktop app did not build (see above).');
    app = spawn(electron, ['.'], { cwd: root, env: { ...process.env, CRISIS_DESK_SERVER_URL: serverUrl, CRISIS_DESK_DATA_DIR: path.join(dataDir, 'desktop') }, stdio: 'inherit' });
    // Closing the app's window is how its user stops Crisis Desk (the app restarts its own core).
    app.on('exit', () => void stop());
  } else {
    console.log('The Electron binary is not available here: running the desk in your browser instead.');
    const desktop = !args['no-open'] && (process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY));
    let openBrowser = desktop;
    const host = new SupervisedProcess({
      name: 'The desk',
      spawn: () => {
        const hostArgs = [...CORE_PROCESS_V8_FLAGS, '--import', 'tsx', 'electron/host/main.ts', '--data', path.join(dataDir, 'desk'), '--server', serverUrl];
        // Opened once: after a restart the tab already open reconnects by itself.
        if (openBrowser) hostArgs.push('--open');
        openBrowser = false;
        const child = spawn(process.execPath, hostArgs, { cwd: root, env: { ...process.env, ...CORE_PROCESS_ENV }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
        child.stdout!.pipe(process.stdout, { end: false });
        return child;
      },
      policy: HOST_RESTARTS,
      ready: (child) => hostAddress(child).then(() => {}),
      say,
      describe: (c, again) => `(process ${c.pid})${again ? ' at the same address: open tabs reconnect by themselves' : ''}`,
      meanwhile: 'Nothing is being saved until it is back: open tabs keep what is typed on screen and save it then.',
      onItsOwn: `cd ${shellQuote(root)} && ./desk run host -- --data ${shellQuote(path.join(dataDir, 'desk'))} --server ${serverUrl}`,
      onGiveUp: () => {
        console.error('The desk could not be kept running (see above). Stopping Crisis Desk.');
        void stop(1);
      },
    });
    parts.push(host);
    await host.start();
    if (!host.running && !stopping) console.error('The desk did not start (see above); trying again.');
    // A person who closed the tab (or wants another browser) gets a fresh address here, without reading any file.
    say('Press Enter here for a fresh address to open Crisis Desk (each one opens one tab, once).');
    createInterface({ input: process.stdin }).on('line', () => {
      void freshDeskAddress(path.join(dataDir, 'desk')).then((a) => {
        if (!a.ok) return say(a.message);
        say(`Open Crisis Desk at ${a.url}`);
        if (desktop) openInBrowser(a.deskDir, a.url);
      });
    });
  }
} catch (e) {
  console.error((e as Error).message);
  await stop(1);
}
