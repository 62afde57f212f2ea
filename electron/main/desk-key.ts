import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { writeFileDurably } from '../node/durable-file';

/*
 * The desk.db key (DESIGN.md §7): 32 random bytes, wrapped by the operating system's keystore
 * through Electron's safeStorage (DPAPI on Windows, the Keychain on macOS, libsecret or KWallet on
 * Linux) and stored only wrapped, beside desk.db. There is no plaintext fallback, ever:
 *  - Linux with no keyring (safeStorage's `basic_text` backend, a hard-coded password) is refused;
 *  - a wrapped key that no longer unwraps (another user profile, a reset keychain, a copied disk)
 *    stops the desk: the clinician is warned about what has not been synced and may reset the desk,
 *    which moves the unreadable files aside (never deletes them) and starts a new desk that
 *    re-syncs from the server.
 */

/** Electron's safeStorage, as far as the key needs it (a fake in tests). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plainText: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
  /** Linux only. */
  getSelectedStorageBackend(): string;
}

export const WRAPPED_KEY_FILE = 'desk.key.wrapped';
const DESK_DB_FILES = ['desk.db', 'desk.db-wal', 'desk.db-shm', 'desk.db.keycheck'];

export type DeskKeyResult =
  | { kind: 'ok'; key: Buffer; created: boolean }
  /** This machine cannot protect the key: the desk does not start. */
  | { kind: 'refused'; reason: 'basic_text' | 'unavailable'; message: string }
  /** There is a desk here whose key cannot be unwrapped (or is missing): offer a reset. */
  | { kind: 'unwrap_failed'; message: string };

export const BASIC_TEXT_MESSAGE =
  'Crisis Desk cannot protect patient data on this computer: no keyring (such as GNOME Keyring or KWallet) is available to this session, ' +
  'and Crisis Desk will not store its encryption key without one. Nothing secret is kept on this computer until then, so signing in is turned off too. ' +
  'Ask IT to set up a keyring for your account, then start Crisis Desk again.';

export const UNAVAILABLE_MESSAGE =
  'Crisis Desk cannot reach this computer’s secure key storage, so it cannot open its encrypted records, and signing in is turned off (nothing secret is kept without it). Restart the computer; if this keeps happening, contact IT.';

export const UNWRAP_FAILED_MESSAGE =
  'Crisis Desk cannot unlock the encryption key of this desk’s records. This happens when the desk’s files were copied from another computer or user account, or the computer’s key storage was reset.';

interface WrappedKeyFile {
  version: 1;
  /** base64 of safeStorage's output for the key in hex. */
  wrapped: string;
  createdAt: string;
}

export class DeskKeyStore {
  constructor(
    private readonly dataDir: string,
    private readonly safeStorage: SafeStorageLike,
    private readonly platform: NodeJS.Platform = process.platform,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get wrappedKeyFile(): string {
    return path.join(this.dataDir, WRAPPED_KEY_FILE);
  }

  private deskExists(): boolean {
    return existsSync(path.join(this.dataDir, 'desk.db'));
  }

  /** Can this machine wrap a key at all? Checked before anything is read or created. */
  async protection(): Promise<{ ok: true } | { ok: false; reason: 'basic_text' | 'unavailable'; message: string }> {
    if (this.platform === 'linux') {
      const backend = this.safeStorage.getSelectedStorageBackend();
      if (backend === 'basic_text') return { ok: false, reason: 'basic_text', message: BASIC_TEXT_MESSAGE };
      if (backend === 'unknown') return { ok: false, reason: 'unavailable', message: UNAVAILABLE_MESSAGE };
    }
    if (!(await this.safeStorage.isAsyncEncryptionAvailable())) return { ok: false, reason: 'unavailable', message: UNAVAILABLE_MESSAGE };
    return { ok: true };
  }

  /** The desk's key: unwrapped from its file, or made and stored wrapped for a new desk. */
  async load(): Promise<DeskKeyResult> {
    const protection = await this.protection();
    if (!protection.ok) return { kind: 'refused', reason: protection.reason, message: protection.message };
    if (!existsSync(this.wrappedKeyFile)) {
      // desk.db without its key can never be opened again: that is a failed unwrap, not a new desk.
      if (this.deskExists()) return { kind: 'unwrap_failed', message: UNWRAP_FAILED_MESSAGE };
      return { kind: 'ok', key: await this.create(), created: true };
    }
    let key: Buffer;
    let shouldReEncrypt: boolean;
    try {
      const stored = JSON.parse(readFileSync(this.wrappedKeyFile, 'utf8')) as Partial<WrappedKeyFile>;
      if (stored.version !== 1 || typeof stored.wrapped !== 'string') throw new Error('not a wrapped key file');
      const unwrapped = await this.safeStorage.decryptStringAsync(Buffer.from(stored.wrapped, 'base64'));
      if (!/^[0-9a-f]{64}$/.test(unwrapped.result)) throw new Error('not a 32-byte key');
      key = Buffer.from(unwrapped.result, 'hex');
      shouldReEncrypt = unwrapped.shouldReEncrypt;
    } catch {
      return { kind: 'unwrap_failed', message: UNWRAP_FAILED_MESSAGE };
    }
    // The OS rotated its key: store the desk key wrapped afresh (the desk key itself never changes).
    if (shouldReEncrypt) await this.store(key);
    return { kind: 'ok', key, created: false };
  }

  private async create(): Promise<Buffer> {
    mkdirSync(this.dataDir, { recursive: true });
    const key = randomBytes(32);
    await this.store(key);
    return key;
  }

  private async store(key: Buffer): Promise<void> {
    const wrapped = await this.safeStorage.encryptStringAsync(key.toString('hex'));
    const file: WrappedKeyFile = { version: 1, wrapped: wrapped.toString('base64'), createdAt: this.now().toISOString() };
    writeFileDurably(this.wrappedKeyFile, `${JSON.stringify(file)}\n`);
  }

  /**
   * Starts a new desk after the clinician agreed: desk.db and the old wrapped key are moved aside
   * (IT may still recover them if the old key storage comes back), never deleted. The next load()
   * makes a new key; the core then re-syncs the directory and this desk's records from the server.
   */
  resetDesk(): string[] {
    const stamp = this.now().toISOString().replace(/[:.]/g, '-');
    const moved: string[] = [];
    for (const name of [...DESK_DB_FILES, WRAPPED_KEY_FILE]) {
      const from = path.join(this.dataDir, name);
      if (!existsSync(from)) continue;
      const to = path.join(this.dataDir, `${name}.reset-${stamp}`);
      renameSync(from, to);
      moved.push(to);
    }
    return moved;
  }
}
