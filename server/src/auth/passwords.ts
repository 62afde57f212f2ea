import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/*
 * Password hashes for the built-in identity provider: scrypt (memory-hard, in Node's crypto) with
 * a random salt, stored as `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` so the cost can be raised later
 * without invalidating old hashes.
 */

const LOG2_N = 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, log2N: number, r: number, p: number): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; leave room above Node's 32 MiB default.
  const options: ScryptOptions = { N: 2 ** log2N, r, p, maxmem: 256 * 2 ** log2N * r };
  return new Promise((resolve, reject) => scryptCallback(password, salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, LOG2_N, R, P);
  return ['scrypt', LOG2_N, R, P, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** A hash of no one's password, checked when the user is unknown so that the answer takes as long. */
let nobody: Promise<string> | undefined;

/** True when password matches the stored hash; null or malformed hashes never match. */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = (stored ?? (await (nobody ??= hashPassword(randomBytes(18).toString('base64url'))))).split('$');
  const [scheme, log2N, r, p, salt, hash] = parts;
  const cost = [Number(log2N), Number(r), Number(p)] as const;
  if (parts.length !== 6 || scheme !== 'scrypt' || !cost.every((n) => Number.isInteger(n) && n > 0) || cost[0] > 20) {
    await scrypt(password, randomBytes(16), LOG2_N, R, P);
    return false;
  }
  const expected = Buffer.from(hash!, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt!, 'base64url'), ...cost);
  return stored !== null && expected.length === actual.length && timingSafeEqual(expected, actual);
}
