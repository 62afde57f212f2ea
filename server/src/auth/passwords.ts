import { randomBytes } from 'node:crypto';
import { hashSecret, verifySecret } from '../../../electron/node/scrypt-hash';

/*
 * Password hashes for the built-in identity provider: scrypt with a random salt, the cost stored
 * with the hash (electron/node/scrypt-hash.ts, the one copy the desk's passcode uses too).
 */

const LOG2_N = 15;

export function hashPassword(password: string): Promise<string> {
  return hashSecret(password, LOG2_N);
}

/** A hash of no one's password, checked when the user is unknown so that the answer takes as long. */
let nobody: Promise<string> | undefined;

/** True when password matches the stored hash; null or malformed hashes never match, and take as long to say so. */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const matched = await verifySecret(password, stored ?? (await (nobody ??= hashPassword(randomBytes(18).toString('base64url')))), { equalTimeLog2N: LOG2_N });
  return stored !== null && matched;
}
