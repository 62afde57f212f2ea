import { rmSync } from 'node:fs';
import path from 'node:path';
import { readTextIfExists, writeFileDurably } from '../node/durable-file';
import { hashSecret, verifySecret } from '../node/scrypt-hash';

/*
 * The local unlock passcode, chosen at the first sign-in. Stored only as a slow, salted scrypt hash
 * (electron/node/scrypt-hash.ts): 64 MiB and about a fifth of a second per guess, off the main thread.
 */

export const MIN_PASSCODE_LENGTH = 6;
export const MAX_PASSCODE_LENGTH = 128;
const LOG2_N = 16;
/** A passcode file asking for less than 2^10 (1 MiB, about a millisecond a guess) was not written by the desk. */
const MIN_LOG2_N = 10;

/** Why a new passcode is not acceptable, or null. */
export function passcodeProblem(passcode: string, confirmation: string): string | null {
  if (passcode.length < MIN_PASSCODE_LENGTH) return `Choose a passcode of at least ${MIN_PASSCODE_LENGTH} characters.`;
  if (passcode.length > MAX_PASSCODE_LENGTH) return `Choose a passcode of at most ${MAX_PASSCODE_LENGTH} characters.`;
  if (/^(.)\1*$/.test(passcode) || '0123456789012345678909876543210'.includes(passcode)) return 'That passcode is too easy to guess: choose another.';
  if (passcode !== confirmation) return 'The two passcodes are not the same: type them again.';
  return null;
}

export function hashPasscode(passcode: string, log2N = LOG2_N): Promise<string> {
  return hashSecret(passcode, log2N);
}

/** True when passcode matches the stored hash; a malformed or too cheap hash never matches. */
export function verifyPasscode(passcode: string, stored: string): Promise<boolean> {
  return verifySecret(passcode, stored, { minLog2N: MIN_LOG2_N });
}

/** The clinician a lock belongs to: their sign-in's subject (the identity provider's `sub`) and name. */
export interface LockOwner {
  subject: string;
  name: string | null;
}

/** Wrong passcodes in a row, and when the next try is allowed (epoch ms), kept across restarts. */
export interface LockAttempts {
  failures: number;
  retryAt: number | null;
}

interface StoredPasscode {
  version: 2;
  hash: string;
  owner: LockOwner | null;
  failures: number;
  retryAt: number | null;
}

/**
 * The owner's passcode hash in a small file beside the desk's data, with the lock's owner and the
 * wrong tries so far: quitting and starting again does not wipe the count (a probe found it did).
 * A version 1 file (hash only) has no owner: its passcode still unlocks, no sign-in does.
 */
export class PasscodeFile {
  constructor(
    private readonly dir: string,
    private readonly log2N = LOG2_N,
  ) {}

  private get file(): string {
    return path.join(this.dir, 'passcode.json');
  }

  private stored(): StoredPasscode | null {
    try {
      const v = JSON.parse(readTextIfExists(this.file) ?? 'null') as Partial<StoredPasscode> | { version: 1; hash?: unknown } | null;
      if (typeof v?.hash !== 'string') return null;
      const owner = v.version === 2 && v.owner && typeof v.owner.subject === 'string' ? { subject: v.owner.subject, name: typeof v.owner.name === 'string' ? v.owner.name : null } : null;
      const failures = v.version === 2 && Number.isInteger(v.failures) && v.failures! >= 0 ? v.failures! : 0;
      const retryAt = v.version === 2 && typeof v.retryAt === 'number' && Number.isFinite(v.retryAt) ? v.retryAt : null;
      return { version: 2, hash: v.hash, owner, failures, retryAt };
    } catch {
      return null;
    }
  }

  private write(stored: StoredPasscode): void {
    writeFileDurably(this.file, `${JSON.stringify(stored)}\n`);
  }

  exists(): boolean {
    return this.stored() !== null;
  }

  owner(): LockOwner | null {
    return this.stored()?.owner ?? null;
  }

  /** A new passcode for the clinician who chose it; the count of wrong tries starts again. */
  async set(passcode: string, owner: LockOwner): Promise<void> {
    this.write({ version: 2, hash: await hashPasscode(passcode, this.log2N), owner, failures: 0, retryAt: null });
  }

  async verify(passcode: string): Promise<boolean> {
    const stored = this.stored();
    return stored !== null && verifyPasscode(passcode, stored.hash);
  }

  attempts(): LockAttempts {
    const stored = this.stored();
    return { failures: stored?.failures ?? 0, retryAt: stored?.retryAt ?? null };
  }

  recordAttempts(attempts: LockAttempts): void {
    const stored = this.stored();
    if (stored) this.write({ ...stored, ...attempts });
  }

  clear(): void {
    rmSync(this.file, { force: true });
  }
}
