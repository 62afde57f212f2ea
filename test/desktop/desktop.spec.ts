/*
 * The packaged shape of the desktop app on a machine with the Electron binary: the screen in its
 * sandbox with only window.crisisDesk, talking straight to the core over its MessagePort, unable to
 * navigate or open windows. Where the binary is absent the whole file is skipped, saying why.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { electronBinary } from '../../scripts/electron-binary';

const root = path.resolve(import.meta.dirname, '../..');
const binary = electronBinary();
if (!binary) console.log('desktop: skipped — the Electron binary is not installed on this machine (node_modules/electron/path.txt is missing), and it is never downloaded here.');
test.skip(!binary, 'the Electron binary is not installed on this machine');

let app: ElectronApplication;
let dataDir: string;

test.beforeAll(async () => {
  const built = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-desktop.ts'], { cwd: root, stdio: 'inherit' });
  expect(built.status).toBe(0);
  dataDir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-desktop-'));
  app = await electron.launch({
    executablePath: binary!,
    args: [root],
    env: { ...process.env, CRISIS_DESK_DATA_DIR: dataDir, CRISIS_DESK_POLICY_FILE: path.join(dataDir, 'no-policy.json') },
  });
});

test.afterAll(async () => {
  await app?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function pageAt(prefix: string): Promise<Page> {
  for (let i = 0; i < 100; i++) {
    const page = app.windows().find((w) => w.url().startsWith(prefix));
    if (page) return page;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no page at ${prefix}: ${app.windows().map((w) => w.url()).join(', ')}`);
}

test('the screen has window.crisisDesk (call, on) and nothing of Node or Electron', async () => {
  const backend = await app.evaluate(({ safeStorage }) => (process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'os'));
  if (backend === 'basic_text') {
    // No keyring in this session: the app must refuse rather than store the key in the clear.
    const shell = await pageAt('app://shell');
    await expect(shell.getByRole('heading')).toContainText('cannot protect patient data');
    return;
  }
  const screen = await pageAt('app://desk');
  const surface = await screen.evaluate(() => ({
    keys: Object.keys(window.crisisDesk ?? {}).sort(),
    node: typeof (window as unknown as { require?: unknown }).require,
    process: typeof (window as unknown as { process?: unknown }).process,
    ipc: typeof (window as unknown as { ipcRenderer?: unknown }).ipcRenderer,
  }));
  expect(surface).toEqual({ keys: ['call', 'on'], node: 'undefined', process: 'undefined', ipc: 'undefined' });
  const info = await screen.evaluate(() => window.crisisDesk!.call('system.info', {}));
  expect(info.ok).toBe(true);
  expect(await screen.evaluate(() => window.open('https://example.com/'))).toBeNull();
  await screen.evaluate(() => {
    window.location.href = 'https://example.com/';
  });
  await new Promise((r) => setTimeout(r, 500));
  expect(screen.url()).toMatch(/^app:\/\/desk\//);
  const blocked = await screen.evaluate(() => fetch('https://example.com/').then(() => 'fetched', () => 'blocked'));
  expect(blocked).toBe('blocked');
});
