import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../../shared/domain/call-record';
import { Core } from '../core';
import { makeTempDir, randomKey } from './test-fixtures';

/* The record open on this desk, remembered in desk.db through the contract, across a restart. */

const GEO_DIR = path.resolve(import.meta.dirname, '../../../data/geo');
let tmp: ReturnType<typeof makeTempDir>;
let key: Buffer;
let core: Core;

const open = () => Core.open({ dataDir: tmp.dir, geoDir: GEO_DIR, deskKey: key });
async function call<T>(method: string, params: unknown = {}): Promise<T> {
  const r = await core.handle(method, params);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}
async function refusal(method: string, params: unknown): Promise<string> {
  const r = await core.handle(method, params);
  if (r.ok) throw new Error(`${method} was accepted`);
  return r.error.code;
}

beforeEach(() => {
  tmp = makeTempDir();
  key = randomKey();
  core = open();
});
afterEach(() => {
  core.close();
  tmp.remove();
});

describe('the call open on this desk', () => {
  it('is none on a new desk', async () => {
    expect(await call('calls.openOnDesk')).toBeNull();
  });

  it('survives a restart of the core, with what was saved in it', async () => {
    const r = await call<CallRecord>('calls.create');
    const content = { ...r.content, presentingNeed: { categories: [], summary: 'Synthetic: typed before the restart' } };
    await call('calls.save', { id: r.id, revision: r.revision, content });
    await call('calls.setOpenOnDesk', { id: r.id });
    core.close();
    core = open();
    const reopened = await call<CallRecord | null>('calls.openOnDesk');
    expect(reopened?.id).toBe(r.id);
    expect(reopened?.content.presentingNeed.summary).toBe('Synthetic: typed before the restart');
  });

  it('follows the last record opened, and is forgotten when the record is closed', async () => {
    const a = await call<CallRecord>('calls.create');
    const b = await call<CallRecord>('calls.create');
    await call('calls.setOpenOnDesk', { id: a.id });
    await call('calls.setOpenOnDesk', { id: b.id });
    expect((await call<CallRecord>('calls.openOnDesk')).id).toBe(b.id);
    await call('calls.setOpenOnDesk', { id: null });
    expect(await call('calls.openOnDesk')).toBeNull();
  });

  it('a discarded draft is not reopened, and cannot be made the open call', async () => {
    const r = await call<CallRecord>('calls.create');
    await call('calls.setOpenOnDesk', { id: r.id });
    await call('calls.discard', { id: r.id, revision: r.revision, reason: 'Synthetic: opened by mistake' });
    expect(await call('calls.openOnDesk')).toBeNull();
    expect(await refusal('calls.setOpenOnDesk', { id: r.id })).toBe('record_discarded');
  });

  it('refuses an id that is not a record on this desk, and anything that is not an id', async () => {
    expect(await refusal('calls.setOpenOnDesk', { id: '0190f0f0-0000-7000-8000-000000000001' })).toBe('not_found');
    expect(await refusal('calls.setOpenOnDesk', { id: '../../etc/passwd' })).toBe('invalid_params');
    expect(await refusal('calls.setOpenOnDesk', {})).toBe('invalid_params');
  });

  it('signing out forgets it, so the next person’s fresh tab does not reopen the last caller', async () => {
    const r = await call<CallRecord>('calls.create');
    await call('calls.setOpenOnDesk', { id: r.id });
    await call('auth.signOut');
    expect(await call('calls.openOnDesk')).toBeNull();
  });

  it('reading it back is an audited view, like any other read of a record', async () => {
    const r = await call<CallRecord>('calls.create');
    await call('calls.setOpenOnDesk', { id: r.id });
    const views = () => core.desk.db.prepare("SELECT count(*) FROM audit WHERE action = 'view' AND record_id = ?").pluck().get(r.id) as number;
    const before = views();
    await call('calls.openOnDesk');
    expect(views()).toBe(before + 1);
  });
});
