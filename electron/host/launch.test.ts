import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../test/support/bundle';
import { launchHost, stopProcess } from '../../test/support/host-process';

/*
 * The browser host bundled with its launcher (launch.ts), as the benchmarks start it: the launcher
 * turns on Node's compile cache in the data folder before the host's code is loaded, and a folder
 * where the cache cannot be written changes nothing but the speed.
 */

const root = path.resolve(import.meta.dirname, '../..');
let work: string;
let launcher: string;
let rendererDir: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'crisis-desk-launch-'));
  rendererDir = path.join(work, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Crisis Desk</title>');
  // Inside the repository, so that the bundle finds the native SQLite module and data/geo as the host does.
  launcher = await bundle(path.join(root, 'electron/host/launch.ts'), 'host-launch-test', path.join(root, 'node_modules/.cache/crisis-desk-bundles/launch-test'), { splitting: true });
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

async function startAndStop(dataDir: string): Promise<string> {
  const host = launchHost(process.execPath, [launcher, '--data', dataDir, '--renderer', rendererDir, '--port', '0'], { cwd: root });
  try {
    const url = await host.url;
    // It answers: the screen's page is served.
    const page = await fetch(new URL('/', url));
    expect(page.status).toBe(200);
    return url;
  } finally {
    await stopProcess(host.child);
  }
}

describe('the host launcher', () => {
  it('keeps V8’s compiled code in the data folder (this user only), and the host starts from it again', async () => {
    const dataDir = path.join(work, 'desk-a');
    await startAndStop(dataDir);
    const cache = path.join(dataDir, 'compile-cache');
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    const files = readdirSync(cache, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(0);
    await startAndStop(dataDir);
    expect(existsSync(path.join(dataDir, 'desk.db'))).toBe(true);
  }, 60_000);

  it('starts the host as before when the cache folder cannot be made', async () => {
    const dataDir = path.join(work, 'desk-b');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(dataDir, 'compile-cache'), 'a file where the folder would be');
    await startAndStop(dataDir);
    expect(statSync(path.join(dataDir, 'compile-cache')).isFile()).toBe(true);
  }, 60_000);
});
