/*
 * A full disk on a real file system (hazard H30): a 2 MiB tmpfs mounted in a user and mount
 * namespace (`unshare --user --map-root-user --mount`, no root needed), filled to the last block.
 * The desk saves until the disk fills, is told so in words at the save, is restarted on the full
 * disk (SQLite fails growing desk.db-shm: SQLITE_IOERR_SHMSIZE), the browser host is started on it,
 * and once room is made everything acknowledged is there and saving resumes.
 *
 * Where the kernel does not let unprivileged users make namespaces, this test says so and is
 * skipped; the same failures are then checked at the boundary by electron/core/full-disk.test.ts
 * (SQLite's own SQLITE_FULL, the kernel's own ENOSPC) and every code by sqlite-errors.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHILD = path.join(ROOT, 'test/support/full-disk-child.ts');
const MOUNT = 'mount -t tmpfs -o size=2m,mode=0700 tmpfs "$0" && exec "$@"';

function namespacesWork(dir: string): boolean {
  const r = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$0"', dir], { encoding: 'utf8' });
  return r.status === 0;
}

const work = mkdtempSync(path.join(tmpdir(), 'crisis-desk-full-disk-'));
const mountPoint = path.join(work, 'disk');
mkdirSync(mountPoint);
const available = namespacesWork(mountPoint);
if (!available) console.info('full-disk: unprivileged user namespaces are not available here, so the real small file system test is skipped (the boundary tests still run).');

describe.skipIf(!available)('a full disk on a real, tiny file system', () => {
  let steps: Map<string, unknown>;
  let log = '';

  beforeAll(() => {
    // The host checks there is a screen to serve before it opens the desk.
    const renderer = path.join(work, 'renderer');
    mkdirSync(renderer);
    writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Crisis Desk</title>');
    const r = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', MOUNT, mountPoint, process.execPath, '--import', 'tsx', CHILD, mountPoint, renderer], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    log = `${r.stdout}\n${r.stderr}`;
    steps = new Map(
      r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { step: string; value: unknown })
        .map((s) => [s.step, s.value]),
    );
    if (r.status !== 0) throw new Error(`the full-disk episode failed (${r.status}):\n${log}`);
  }, 150_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('a save on the full disk says the disk is full and what to do', () => {
    expect(steps.get('full-save'), log).toEqual({
      ok: false,
      error: { code: 'storage_full', message: expect.stringMatching(/^The disk is full, so the desk cannot save\. What is on screen stays there and is saved as soon as it can be\. To fix it, free some space on this computer/) },
    });
  });

  it('restarting on the full disk says the disk is full, where, and what to do: not “unexpected error”', () => {
    expect(steps.get('restart'), log).toEqual({
      name: 'CoreError',
      code: 'storage_full',
      message: `Crisis Desk cannot start: the disk is full (its records are in ${mountPoint}). To fix it, free some space on this computer (empty the Downloads folder and the recycle bin) or call IT, then start Crisis Desk again. Nothing already saved is lost.`,
    });
  });

  it('the browser host started on the full disk says the same and stops', () => {
    const host = steps.get('host') as { status: number; stderr: string; keyFileLeft: boolean };
    expect(host.status, log).toBe(1);
    // Its new key could not be written whole, so none is left to refuse the next start.
    expect(host.keyFileLeft).toBe(false);
    expect(host.stderr.trim()).toMatch(/^Crisis Desk cannot start: the disk is full \(its records are in .*\)\. To fix it, free some space/);
    expect(host.stderr).not.toMatch(/unexpected|at .*\.ts:\d+/);
  });

  it('once there is room, every acknowledged save is there and saving resumes', () => {
    const saved = steps.get('saved') as { revision: number; summary: string };
    expect(steps.get('freed'), log).toEqual({
      read: { revision: saved.revision, summary: saved.summary },
      next: { ok: true, value: expect.objectContaining({ revision: saved.revision + 1 }) },
    });
  });
});
