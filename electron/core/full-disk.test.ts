import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoreError, type Envelope } from '../../shared/contract';
import type { CallRecord } from '../../shared/domain/call-record';
import { completeContent, randomKey } from './calls/test-fixtures';
import { Core } from './core';

/*
 * A full disk at a save and at start (hazard H30), with the real failures at the boundary: SQLite's
 * own SQLITE_FULL (its page limit reached mid-transaction, exactly as when the disk has no room for
 * another page) and the kernel's own ENOSPC (/dev/full refuses every write with it). The whole
 * story on a real, tiny file system is in test/integration/full-disk.test.ts.
 */

const GEO_DIR = path.resolve(import.meta.dirname, '../../data/geo');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-full-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('a save when the disk is full', () => {
  it('says the disk is full and what to do, keeps the saved record, and saves once there is room', async () => {
    const core = Core.open({ dataDir: dir, deskKey: randomKey(), geoDir: GEO_DIR });
    try {
      const created = (await core.handle('calls.create', {})) as Envelope<CallRecord>;
      if (!created.ok) throw new Error(created.error.message);
      const draft = created.value;
      const first = completeContent(draft.content.startedAt, 'Synthetic: saved before the disk filled.');
      const saved = await core.handle('calls.save', { id: draft.id, revision: 1, content: first });
      expect(saved.ok).toBe(true);

      // No room for one more page.
      const pages = core.desk.db.pragma('page_count', { simple: true }) as number;
      core.desk.db.pragma(`max_page_count = ${pages}`);
      const next = completeContent(draft.content.startedAt, `Synthetic: typed once the disk was full. ${'x'.repeat(40_000)}`);
      const refused = await core.handle('calls.save', { id: draft.id, revision: 2, content: next });
      expect(refused).toEqual({
        ok: false,
        error: { code: 'storage_full', message: expect.stringMatching(/^The disk is full, so the desk cannot save\. What is on screen stays there and is saved as soon as it can be\. To fix it, free some space/) },
      });
      const kept = (await core.handle('calls.get', { id: draft.id })) as Envelope<CallRecord>;
      expect(kept.ok && kept.value.revision).toBe(2);
      expect(kept.ok && kept.value.content.presentingNeed.summary).toBe('Synthetic: saved before the disk filled.');

      // Room again: the same save goes through.
      core.desk.db.pragma('max_page_count = 1073741823');
      expect(await core.handle('calls.save', { id: draft.id, revision: 2, content: next })).toMatchObject({ ok: true, value: { revision: 3 } });
    } finally {
      core.close();
    }
  });
});

describe('starting on a full disk', () => {
  it('a new desk whose first write fails with ENOSPC says the disk is full, names the folder, and leaves nothing half-written', () => {
    // The key check is the first file a new desk writes (through its temporary file, named for this
    // process): the kernel refuses it as on a full disk.
    symlinkSync('/dev/full', path.join(dir, `desk.db.keycheck.tmp-${process.pid}`));
    let thrown: unknown;
    try {
      Core.open({ dataDir: dir, deskKey: randomKey(), geoDir: GEO_DIR }).close();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CoreError);
    expect((thrown as CoreError).code).toBe('storage_full');
    expect((thrown as CoreError).message).toBe(
      `Crisis Desk cannot start: the disk is full (its records are in ${dir}). To fix it, free some space on this computer (empty the Downloads folder and the recycle bin) or call IT, then start Crisis Desk again. Nothing already saved is lost.`,
    );
    expect(existsSync(path.join(dir, 'desk.db.keycheck'))).toBe(false);
    expect(existsSync(path.join(dir, `desk.db.keycheck.tmp-${process.pid}`))).toBe(false);
  });
});
