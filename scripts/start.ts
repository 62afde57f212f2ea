/*
 * `npm start` (./desk start): the whole product on this machine with no configuration. Starts the
 * central API on an embedded PGlite with the demo trusts, users and directory, then the desk: the
 * desktop app where the Electron binary is available, otherwise the browser host (its address is
 * printed and opened in the default browser when there is one). Ctrl+C stops both.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { CORE_PROCESS_V8_FLAGS } from '../shared/core-process';
import { electronBinary } from './electron-binary';
import { generateDirectory, loadEnglandSectors } from './synthetic/generate-directory';
import { writeDirectoryNdjson } from './synthetic/write-ndjson';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = path.join(root, '.data');
const rendererOut = path.join(root, 'dist', 'renderer');
const children: ChildProcess[] = [];

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

function run(args: string[], env: Record<string, string>, label: string): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${label} stopped (${signal ?? `exit ${code}`}). Stopping Crisis Desk.`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

async function waitForHealth(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`The server at ${url} did not start within a minute.`);
}

let stopping = false;
async function stop(code = 0): Promise<void> {
  stopping = true;
  await Promise.all(
    children.map(
      (c) =>
        new Promise((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve(null);
          c.once('exit', resolve);
          c.kill('SIGTERM');
        }),
    ),
  );
  process.exit(code);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

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
  run(['--import', 'tsx', 'server/src/main.ts'], {
    DEMO: '1',
    DEMO_DIRECTORY_FILE: demoDirectoryFile(),
    DATA_DIR: path.join(dataDir, 'server'),
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: serverUrl,
    LOG_LEVEL: 'warn',
  }, 'The server');
  await waitForHealth(serverUrl);

  const electron = electronBinary();
  if (electron) {
    console.log('Starting the Crisis Desk desktop app…');
    const built = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-desktop.ts', '--skip-renderer'], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('The desktop app did not build (see above).');
    const app = spawn(electron, ['.'], { cwd: root, env: { ...process.env, CRISIS_DESK_SERVER_URL: serverUrl, CRISIS_DESK_DATA_DIR: path.join(dataDir, 'desktop') }, stdio: 'inherit' });
    app.on('exit', () => void stop());
    children.push(app);
  } else {
    console.log('The Electron binary is not available here: running the desk in your browser instead.');
    const canOpen = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
    run([...CORE_PROCESS_V8_FLAGS, '--import', 'tsx', 'electron/host/main.ts', '--data', path.join(dataDir, 'desk'), '--server', serverUrl, ...(canOpen ? ['--open'] : [])], {}, 'The browser host');
  }
} catch (e) {
  console.error((e as Error).message);
  await stop(1);
}
