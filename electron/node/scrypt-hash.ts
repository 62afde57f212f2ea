import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/*
 * Slow, salted hashes of secrets people type (the desk's unlock passcode, the built-in identity
 * provider's passwords): scrypt from Node's own crypto (OpenSSL's, memory-hard, run off the main
 * thread; no native add-on), stored as `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` so that the cost
 * can be raised later without invalidating older hashes.
 *
 * The secret is normalised to Unicode NFC first: the same word typed on two keyboards or systems
 * may arrive composed ("é", U+00E9) or decomposed ("e" + U+0301), and must verify the same.
 */

const R = 8;
const P = 1;
const KEY_LENGTH = 32;
/** Above 2^20 one check would take seconds and 1 GiB: a stored hash asking for that is not ours. */
const MAX_LOG2_N = 20;

function scrypt(secret: string, salt: Buffer, log2N: number, r: number, p: number): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; leave room above Node's 32 MiB default.
  const options: ScryptOptions = { N: 2 ** log2N, r, p, maxmem: 256 * 2 ** log2N * r };
  return new Promise((resolve, reject) => scryptCallback(secret.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** The stored form of `secret` at cost 2^log2N (r = 8, p = 1), with a new random salt. */
export async function hashSecret(secret: string, log2N: number): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, log2N, R, P);
  return ['scrypt', log2N, R, P, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export interface VerifyOptions {
  /** Stored hashes cheaper than 2^minLog2N are refused (a tampered file must not make guessing cheap). */
  minLog2N?: number;
  /**
   * A malformed stored hash is answered false only after a check at this cost, so that the answer
   * takes as long as a real one (the identity provider must not tell which accounts exist by time).
   * Without it, a malformed hash is answered at once.
   */
  equalTimeLog2N?: number;
}

/** True when `secret` matches `stored`; a malformed hash, or one outside the allowed costs, never matches. */
export async function verifySecret(secret: string, stored: string, options: VerifyOptions = {}): Promise<boolean> {
  const parts = stored.split('$');
  const [scheme, log2N, r, p, salt, hash] = parts;
  const cost = [Number(log2N), Number(r), Number(p)] as const;
  const wellFormed =
    parts.length === 6 && scheme === 'scrypt' && cost.every((n) => Number.isInteger(n) && n > 0) && cost[0] <= MAX_LOG2_N && cost[0] >= (options.minLog2N ?? 1);
  if (!wellFormed) {
    if (options.equalTimeLog2N !== undefined) await scrypt(secret, randomBytes(16), options.equalTimeLog2N, R, P);
    return false;
  }
  const expected = Buffer.from(hash!, 'base64url');
  const actual = await scrypt(secret, Buffer.from(salt!, 'base64url'), ...cost);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
