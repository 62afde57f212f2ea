import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from './test-temp-dir';
import { BASIC_TEXT_MESSAGE, DeskKeyStore, WRAPPED_KEY_FILE, type SafeStorageLike } from './desk-key';
import { LastSyncFile, unsyncedWarning } from './last-sync';

/** safeStorage with a toy reversible wrapping; `keyring` changes what it can unwrap. */
function fakeSafeStorage(over: Partial<SafeStorageLike> = {}) {
  const state = { keyring: 'k1', reEncrypt: false };
  const storage: SafeStorageLike & { setUsePlainTextEncryption: () => never } = {
    isAsyncEncryptionAvailable: vi.fn(async () => true),
    getSelectedStorageBackend: vi.fn(() => 'gnome_libsecret'),
    encryptStringAsync: vi.fn(async (s: string) => Buffer.from(`${state.keyring}:${Buffer.from(s).toString('base64')}`)),
    decryptStringAsync: vi.fn(async (b: Buffer) => {
      const [ring, body] = b.toString().split(':');
      if (ring !== state.keyring) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return { result: Buffer.from(body!, 'base64').toString(), shouldReEncrypt: state.reEncrypt };
    }),
    // never to be used: there is no plaintext fallback
    setUsePlainTextEncryption: () => {
      throw new Error('plain text encryption must never be enabled');
    },
    ...over,
  };
  return { storage, state };
}

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  tmp = makeTempDir('crisis-desk-key-');
});
afterEach(() => tmp.remove());

describe('the desk key', () => {
  it('is made once, 32 random bytes, and stored only wrapped', async () => {
    const { storage } = fakeSafeStorage();
    const store = new DeskKeyStore(tmp.dir, storage, 'linux');
    const first = await store.load();
    expect(first.kind).toBe('ok');
    if (first.kind !== 'ok') return;
    expect(first.created).toBe(true);
    expect(first.key).toHaveLength(32);
    const onDisk = readFileSync(path.join(tmp.dir, WRAPPED_KEY_FILE), 'utf8');
    expect(onDisk).not.toContain(first.key.toString('hex'));
    expect(onDisk).not.toContain(first.key.toString('base64'));
    const again = await new DeskKeyStore(tmp.dir, storage, 'linux').load();
    expect(again).toEqual({ kind: 'ok', key: first.key, created: false });
  });

  it('is refused, with a clear message and nothing written, where Linux has only basic_text', async () => {
    const { storage } = fakeSafeStorage({ getSelectedStorageBackend: () => 'basic_text' });
    const r = await new DeskKeyStore(tmp.dir, storage, 'linux').load();
    expect(r).toEqual({ kind: 'refused', reason: 'basic_text', message: BASIC_TEXT_MESSAGE });
    expect(BASIC_TEXT_MESSAGE).toMatch(/keyring/);
    expect(storage.encryptStringAsync).not.toHaveBeenCalled();
    expect(readdirSync(tmp.dir)).toEqual([]);
  });

  it('is refused when the key storage is unavailable (and basic_text is only a Linux matter)', async () => {
    const unavailable = fakeSafeStorage({ isAsyncEncryptionAvailable: async () => false }).storage;
    expect((await new DeskKeyStore(tmp.dir, unavailable, 'win32').load()).kind).toBe('refused');
    const basicOnMac = fakeSafeStorage({ getSelectedStorageBackend: () => 'basic_text' }).storage;
    expect((await new DeskKeyStore(tmp.dir, basicOnMac, 'darwin').load()).kind).toBe('ok');
  });

  it('reports a failed unwrap (never a new key over an existing desk), and resets only by moving files aside', async () => {
    const { storage, state } = fakeSafeStorage();
    const store = new DeskKeyStore(tmp.dir, storage, 'linux', () => new Date('2026-03-01T10:00:00Z'));
    const made = await store.load();
    writeFileSync(path.join(tmp.dir, 'desk.db'), 'encrypted records');
    state.keyring = 'k2'; // the OS key storage was reset
    const failed = await store.load();
    expect(failed.kind).toBe('unwrap_failed');
    expect(existsSync(path.join(tmp.dir, 'desk.db'))).toBe(true);

    const moved = store.resetDesk();
    expect(moved.map((f) => path.basename(f)).sort()).toEqual(['desk.db.reset-2026-03-01T10-00-00-000Z', `${WRAPPED_KEY_FILE}.reset-2026-03-01T10-00-00-000Z`]);
    expect(readFileSync(moved.find((f) => f.includes('desk.db'))!, 'utf8')).toBe('encrypted records');
    const fresh = await store.load();
    expect(fresh.kind === 'ok' && fresh.created).toBe(true);
    expect(fresh.kind === 'ok' && made.kind === 'ok' && fresh.key.equals(made.key)).toBe(false);
  });

  it('treats a desk.db without its wrapped key, or a damaged key file, as a failed unwrap', async () => {
    const { storage } = fakeSafeStorage();
    writeFileSync(path.join(tmp.dir, 'desk.db'), 'records');
    expect((await new DeskKeyStore(tmp.dir, storage, 'linux').load()).kind).toBe('unwrap_failed');
    writeFileSync(path.join(tmp.dir, WRAPPED_KEY_FILE), '{"version":1,"wrapped":"bm9wZQ=="}');
    expect((await new DeskKeyStore(tmp.dir, storage, 'linux').load()).kind).toBe('unwrap_failed');
  });

  it('is wrapped afresh when the OS rotated its own key', async () => {
    const { storage, state } = fakeSafeStorage();
    const store = new DeskKeyStore(tmp.dir, storage, 'win32');
    const made = await store.load();
    state.reEncrypt = true;
    const again = await store.load();
    expect(again.kind === 'ok' && made.kind === 'ok' && again.key.equals(made.key)).toBe(true);
    expect(storage.encryptStringAsync).toHaveBeenCalledTimes(2);
  });
});

describe('the warning before a reset', () => {
  it('says how much was unsynced when the desk last knew', async () => {
    const file = new LastSyncFile(tmp.dir, () => new Date('2026-03-01T09:30:00Z'));
    expect(unsyncedWarning(file.read(), true)).toMatch(/does not know whether every record/);
    file.record({ waiting: 3, conflicts: 1, rejected: 0, lastSyncedAt: '2026-03-01T09:00:00Z' });
    await file.settled();
    const counts = new LastSyncFile(tmp.dir).read();
    expect(counts).toMatchObject({ waiting: 3, conflicts: 1 });
    const warning = unsyncedWarning(counts, true);
    expect(warning).toContain('3 changes had not yet reached the server');
    expect(warning).toContain('1 conflict');
    expect(warning).toContain('1 Mar 2026, 09:30');
    expect(unsyncedWarning({ ...counts!, waiting: 0, conflicts: 0 }, true)).toMatch(/everything had reached the server/);
    expect(unsyncedWarning(counts, false)).toMatch(/no server configured/);
  });

  it('keeps only counts, never content', async () => {
    const file = new LastSyncFile(tmp.dir);
    file.record({ waiting: 1, conflicts: 0, rejected: 0, lastSyncedAt: null, ...({ caller: 'Jane Doe' } as object) });
    await file.settled();
    expect(readFileSync(path.join(tmp.dir, 'last-sync.json'), 'utf8')).not.toContain('Jane');
  });

  it('writes nothing on the thread that reports: a burst of counts is coalesced and the latest reaches the disk', async () => {
    const file = new LastSyncFile(tmp.dir);
    const onDisk = path.join(tmp.dir, 'last-sync.json');
    for (let waiting = 1000; waiting >= 0; waiting--) file.record({ waiting, conflicts: 0, rejected: 0, lastSyncedAt: null });
    // Nothing yet: every write is made off the thread, after the events.
    expect(existsSync(onDisk)).toBe(false);
    expect(file.pending).toBe(true);
    // What main reads meanwhile is already the latest.
    expect(file.read()).toMatchObject({ waiting: 0 });
    await file.settled();
    expect(file.pending).toBe(false);
    expect(JSON.parse(readFileSync(onDisk, 'utf8'))).toMatchObject({ waiting: 0 });
    expect(new LastSyncFile(tmp.dir).read()).toMatchObject({ waiting: 0 });
    expect(readdirSync(tmp.dir)).toEqual(['last-sync.json']);
  });

  it('a write that fails (no folder, a full disk) is told, and main carries on with the counts it holds', async () => {
    const errors: unknown[] = [];
    const blocked = path.join(tmp.dir, 'not-a-folder');
    writeFileSync(blocked, 'a file where the data folder should be');
    const file = new LastSyncFile(blocked, undefined, (e) => errors.push(e));
    file.record({ waiting: 2, conflicts: 0, rejected: 0, lastSyncedAt: null });
    await file.settled();
    expect(errors).toHaveLength(1);
    expect(file.read()).toMatchObject({ waiting: 2 });
  });
});