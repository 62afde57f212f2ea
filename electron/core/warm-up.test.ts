import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GEO_DIR } from '../../test/support/desk-harness';
import { Core } from './core';
import { createEmptyDirectory, DirectoryDb } from './directory/directory-db';

/*
 * The postcode tables are read once the screen is in use and the clinician pauses (after the
 * searches answered while typing), not as soon as the desk answers, where they held up the
 * screen's files and its first search, nor just after the first search, where they held up the next.
 */
let dir: string;
let core: Core;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-warm-'));
  core = Core.open({ dataDir: dir, geoDir: GEO_DIR, deskKey: randomBytes(32) });
});

afterEach(() => {
  core.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('warming up after the first search', () => {
  it('warms up once the searches pause, after the answer, once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const warm = vi.spyOn(core, 'warmUp');
      core.warmUpWhenSearchesPause(60_000, 500);
      expect((await core.handle('directory.search', { text: 'crisis' })).ok).toBe(true);
      expect(warm).not.toHaveBeenCalled(); // not before the answer is on its way
      vi.advanceTimersByTime(400);
      // The next key's search, typed meanwhile, does not wait behind the tables.
      expect((await core.handle('directory.search', { text: 'crisis ca' })).ok).toBe(true);
      vi.advanceTimersByTime(400);
      expect(warm).not.toHaveBeenCalled();
      vi.advanceTimersByTime(100);
      expect(warm).toHaveBeenCalledTimes(1);
      await core.handle('directory.search', { text: 'crisis cafe' });
      vi.advanceTimersByTime(60_000);
      expect(warm).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads the postcode tables and the directory’s full-text terms, and goes on when one fails', () => {
    const terms = vi.spyOn(DirectoryDb.prototype, 'warm');
    const logError = vi.fn();
    const failingDir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-warm-fail-'));
    const failing = Core.open({ dataDir: failingDir, geoDir: path.join(dir, 'no-such-folder'), deskKey: randomBytes(32), logError });
    try {
      // The postcode tables cannot be read from a folder that is not there: logged, and the terms are still read.
      failing.warmUp();
      expect(terms).toHaveBeenCalledTimes(1);
      expect(logError).toHaveBeenCalledTimes(1);
      core.warmUp();
      expect(terms).toHaveBeenCalledTimes(2);
    } finally {
      failing.close();
      rmSync(failingDir, { recursive: true, force: true });
      terms.mockRestore();
    }
  });

  it('reads the terms of a directory file installed after it warmed up, and not before', () => {
    const terms = vi.spyOn(DirectoryDb.prototype, 'warm');
    // What directory sync does with a verified snapshot.
    const install = () => {
      const file = path.join(dir, `downloaded-${randomBytes(4).toString('hex')}.db`);
      createEmptyDirectory(file);
      (core as unknown as { installDirectory(file: string): void }).installDirectory(file);
    };
    try {
      install();
      expect(terms).not.toHaveBeenCalled();
      core.warmUp();
      expect(terms).toHaveBeenCalledTimes(1);
      install();
      expect(terms).toHaveBeenCalledTimes(2);
    } finally {
      terms.mockRestore();
    }
  });

  it('warms up anyway when no search comes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const warm = vi.spyOn(core, 'warmUp');
      core.warmUpWhenSearchesPause(5000);
      vi.advanceTimersByTime(4999);
      expect(warm).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(warm).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
