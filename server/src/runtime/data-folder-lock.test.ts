import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { DataFolderInUse, LOCK_FILE, lockDataFolder } from './data-folder-lock';
import { openDatabase } from './start-server';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the PGlite folder lock', () => {
  it('one holder at a time: a second open is refused with who holds it and what to do', () => {
    const release = lockDataFolder(dir);
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    expect(statSync(path.join(dir, LOCK_FILE)).mode & 0o777).toBe(0o600);
    const e = (() => {
      try {
        lockDataFolder(dir);
      } catch (x) {
        return x as DataFolderInUse;
      }
      throw new Error('locked twice');
    })();
    expect(e).toBeInstanceOf(DataFolderInUse);
    expect(e.message).toContain(`process ${process.pid}`);
    expect(e.message).toContain('Stop that one first');
    release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    lockDataFolder(dir)();
  });

  it('a lock left by a process that died (killed, crashed) is taken over', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(path.join(dir, LOCK_FILE), `${dead.stdout}\n`);
    const release = lockDataFolder(dir);
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    release();
  });

  it('a damaged lock file is taken over too', () => {
    writeFileSync(path.join(dir, LOCK_FILE), 'garbage');
    lockDataFolder(dir)();
  });

  it('releasing does not remove a lock that another process has taken since', () => {
    const release = lockDataFolder(dir);
    writeFileSync(path.join(dir, LOCK_FILE), '1\n'); // as if taken over
    release();
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe('1');
  });
});

describe('the server’s PGlite database', () => {
  it('cannot be opened by a second server or tool while one has it, and can once that one closes', async () => {
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
    const first = await openDatabase(config);
    try {
      await expect(openDatabase(config)).rejects.toBeInstanceOf(DataFolderInUse);
      expect(await first.query<{ n: number }>('SELECT 1 AS n')).toEqual([{ n: 1 }]);
    } finally {
      await first.close();
    }
    const again = await openDatabase(config);
    await again.close();
  }, 60_000);
});
