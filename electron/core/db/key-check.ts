import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileDurably } from '../../node/durable-file';

/*
 * SQLCipher answers "file is not a database" both for a wrong key and for a damaged file. The
 * desk must never treat the first as the second (moving aside records it simply cannot read), so
 * a small file beside desk.db holds HMAC-SHA256(key, constant): it tells whether a key is the
 * desk's without revealing anything about the key.
 */

export type KeyCheck = 'match' | 'mismatch' | 'absent';

export function keyCheckFile(dbFile: string): string {
  return `${dbFile}.keycheck`;
}

function keyCheckValue(key: Buffer): Buffer {
  return createHmac('sha256', key).update('crisis-desk key check').digest();
}

export function readKeyCheck(dbFile: string, key: Buffer): KeyCheck {
  const file = keyCheckFile(dbFile);
  if (!existsSync(file)) return 'absent';
  const stored = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  const expected = keyCheckValue(key);
  return stored.length === expected.length && timingSafeEqual(stored, expected) ? 'match' : 'mismatch';
}

/** Writes the key check durably (temporary file, fsync, rename, fsync of the folder). */
export function writeKeyCheck(dbFile: string, key: Buffer): void {
  writeFileDurably(keyCheckFile(dbFile), `${keyCheckValue(key).toString('hex')}\n`);
}
