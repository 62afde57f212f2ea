import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GEO_DIR } from '../../test/support/desk-harness';
import { Core } from './core';
import { DirectoryDb } from './directory/directory-db';

/*
 * The postcode tables are read once the screen is usable (after the first search is answered), not
 * as soon as the desk answers, where they held up the screen's files and its first search.
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

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('warming up after the first search', () => {
  it('warms up just after the first search is answered, once', async () => {
    const warm = vi.spyOn(core, 'warmUp');
    core.warmUpAfterFirstSearch(60_000);
    await nextTurn();
    expect(warm).not.toHaveBeenCalled();
    const answer = await core.handle('directory.search', { text: 'crisis' });
    expect(answer.ok).toBe(true);
    expect(warm).not.toHaveBeenCalled(); // not before the answer is on its way
    await nextTurn();
    expect(warm).toHaveBeenCalledTimes(1);
    await core.handle('directory.search', { text: 'crisis cafe' });
    await nextTurn();
    expect(warm).toHaveBeenCalledTimes(1);
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

  it('warms up anyway when no search comes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const warm = vi.spyOn(core, 'warmUp');
      core.warmUpAfterFirstSearch(5000);
      vi.advanceTimersByTime(4999);
      expect(warm).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(warm).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
