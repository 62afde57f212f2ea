/*
 * Run by test/integration/full-disk.test.ts inside a user and mount namespace, with a tiny tmpfs
 * mounted at the folder it is given: a real file system that really fills up. It drives a desk core
 * through a whole episode and prints what happened as JSON lines (one per step) on stdout:
 *   saved      the draft as saved before the disk filled
 *   full-save  the answer to a save once the disk is full
 *   restart    what opening the desk again on the full disk threw
 *   host       what the browser host printed and its exit code, started on the full disk, and
 *              whether it left a (half-written) key file behind
 *   freed      the draft as read back once there is room again, and a save that then succeeds
 *   tsx test/support/full-disk-child.ts <folder on the tiny file system> <renderer folder>
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Envelope } from '../../shared/contract';
import type { CallRecord, DraftContent } from '../../shared/domain/call-record';
import { completeContent } from '../../electron/core/calls/test-fixtures';
import { Core } from '../../electron/core/core';

const [dir, rendererDir] = process.argv.slice(2) as [string, string];
const root = path.resolve(import.meta.dirname, '../..');
const geoDir = path.join(root, 'data/geo');
const deskKey = randomBytes(32);
const filler = path.join(dir, 'filler');
const report = (step: string, value: unknown) => process.stdout.write(`${JSON.stringify({ step, value })}\n`);

/** Fills what room is left with a file of its own, until the kernel answers ENOSPC. */
function fillTheDisk(): void {
  const fd = openSync(filler, 'a');
  const block = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
}

const errorOf = (e: unknown) => ({ name: (e as Error).name, code: (e as { code?: string }).code, message: (e as Error).message });

const core = Core.open({ dataDir: dir, geoDir, deskKey });
const created = (await core.handle('calls.create', {})) as Envelope<CallRecord>;
if (!created.ok) throw new Error(created.error.message);
const id = created.value.id;
const content = (summary: string): DraftContent => completeContent(created.value.content.startedAt, summary);
let revision = created.value.revision;
for (let i = 1; i <= 3; i++) {
  const r = await core.handle('calls.save', { id, revision, content: content(`Synthetic: saved before the disk filled (${i}).`) });
  if (!r.ok) throw new Error(r.error.message);
  revision = (r.value as { revision: number }).revision;
}
report('saved', { revision, summary: `Synthetic: saved before the disk filled (3).` });

fillTheDisk();
report('full-save', await core.handle('calls.save', { id, revision, content: content(`Synthetic: typed once the disk was full. ${'x'.repeat(20_000)}`) }));
try {
  core.close();
} catch (e) {
  report('close', errorOf(e));
}

// Whatever closing freed is taken too: the desk restarts on a disk with no room at all.
fillTheDisk();
try {
  Core.open({ dataDir: dir, geoDir, deskKey }).close();
  report('restart', null);
} catch (e) {
  report('restart', errorOf(e));
}

// The browser host started on it, as `./desk start` would (its own key file, so a new desk).
const host = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'electron/host/main.ts'), '--data', dir, '--renderer', rendererDir, '--port', '0'], {
  cwd: root,
  encoding: 'utf8',
  timeout: 60_000,
});
report('host', { status: host.status, stderr: host.stderr, stdout: host.stdout, keyFileLeft: existsSync(path.join(dir, 'host-desk.key')) });

rmSync(filler);
const again = Core.open({ dataDir: dir, geoDir, deskKey });
const read = (await again.handle('calls.get', { id })) as Envelope<CallRecord>;
const next = read.ok ? await again.handle('calls.save', { id, revision: read.value.revision, content: content('Synthetic: saved once there was room again.') }) : null;
report('freed', { read: read.ok ? { revision: read.value.revision, summary: read.value.content.presentingNeed.summary } : read.error, next });
again.close();
