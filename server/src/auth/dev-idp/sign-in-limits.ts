import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { ServerConfig } from '../../config';
import type { Db } from '../../db/db';

/*
 * Throttling of the built-in provider's password form (rate-limiter-flexible, its PostgreSQL store
 * over the server's own database, so every API node counts the same attempts). By default:
 *  - an address may try 60 sign-ins a minute, whatever their outcome (a rate limit);
 *  - 5 wrong passwords in a row for one username lock that username for 15 minutes, from every
 *    address (a temporary lockout; a right password ends the run). Unknown usernames count the
 *    same, so the answers tell nobody which usernames exist;
 *  - 30 wrong passwords from one address within 15 minutes block that address for 15 minutes
 *    (one address guessing across many usernames).
 * While locked, even the right password is refused, and no password is checked (each check costs
 * a fifth of a second of scrypt). Usernames and addresses are stored only hashed; an IPv6 address
 * counts by its /64, which one household or host is usually given whole.
 */

export interface SignInPolicy {
  attemptsPerAddressPerMinute: number;
  failuresBeforeLockout: number;
  failuresPerAddress: number;
  lockoutSeconds: number;
}

export function signInPolicy(config: ServerConfig): SignInPolicy {
  return {
    attemptsPerAddressPerMinute: config.SIGN_IN_ATTEMPTS_PER_ADDRESS_PER_MINUTE,
    failuresBeforeLockout: config.SIGN_IN_FAILURES_BEFORE_LOCKOUT,
    failuresPerAddress: config.SIGN_IN_FAILURES_PER_ADDRESS,
    lockoutSeconds: config.SIGN_IN_LOCKOUT_MINUTES * 60,
  };
}

export type SignInVerdict = { ok: true } | { ok: false; reason: 'rate' | 'user' | 'address'; retryAfterMs: number };

export interface SignInLimits {
  /** Before the password is checked: may this attempt go ahead? Counts it against the address's rate. */
  admit(username: string, address: string): Promise<SignInVerdict>;
  /** A wrong password (or unknown user): counted; the verdict says whether that locked something. */
  failed(username: string, address: string): Promise<SignInVerdict>;
  /** The right password: the username's run of failures ends. */
  succeeded(username: string): Promise<void>;
}

const hash = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The username as people type it: case, spaces and Unicode forms do not make a new one. */
const userKey = (username: string) => hash(username.normalize('NFKC').trim().toLowerCase());

/** IPv4 as it is; IPv6 by its /64 (IPv4-mapped IPv6 as the IPv4 address). */
export function addressKey(address: string): string {
  let key = address;
  if (ipaddr.isValid(address)) {
    const parsed = ipaddr.process(address);
    key = parsed.kind() === 'ipv6' ? `${(parsed as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16)).join(':')}::/64` : parsed.toString();
  }
  return hash(key);
}

/** rate-limiter-flexible's PostgreSQL store speaks `pg`'s query({ text, values }); this passes it to the server's Db (PostgreSQL or PGlite). */
function storeClient(db: Db) {
  return {
    async query(q: { text: string; values?: unknown[] }) {
      const rows = await db.query(q.text, q.values ?? []);
      return { rows, rowCount: rows.length };
    },
  };
}

export function createSignInLimits(db: Db, policy: SignInPolicy): SignInLimits {
  const common = { storeClient: storeClient(db), storeType: 'pool', tableName: 'sign_in_limit', tableCreated: true, clearExpiredByTimeout: false };
  const lock = policy.lockoutSeconds;
  // points = how many are allowed; the one after is refused and, with blockDuration, blocks the key.
  const attemptsByAddress = new RateLimiterPostgres({ ...common, keyPrefix: 'attempts-address', points: policy.attemptsPerAddressPerMinute, duration: 60 });
  const failuresByUser = new RateLimiterPostgres({ ...common, keyPrefix: 'failures-user', points: policy.failuresBeforeLockout - 1, duration: lock, blockDuration: lock });
  const failuresByAddress = new RateLimiterPostgres({ ...common, keyPrefix: 'failures-address', points: policy.failuresPerAddress - 1, duration: lock, blockDuration: lock });

  const over = async (limiter: RateLimiterPostgres, key: string) => {
    const res = await limiter.get(key);
    return res && res.consumedPoints > limiter.points ? res.msBeforeNext : null;
  };
  /** consume() rejects with a RateLimiterRes when over the limit, with an Error when the database failed. */
  const consume = async (limiter: RateLimiterPostgres, key: string): Promise<number | null> => {
    try {
      await limiter.consume(key);
      return null;
    } catch (e) {
      if (e instanceof RateLimiterRes) return e.msBeforeNext;
      throw e;
    }
  };

  return {
    async admit(username, address) {
      const rate = await consume(attemptsByAddress, addressKey(address));
      if (rate !== null) return { ok: false, reason: 'rate', retryAfterMs: rate };
      const user = await over(failuresByUser, userKey(username));
      if (user !== null) return { ok: false, reason: 'user', retryAfterMs: user };
      const addr = await over(failuresByAddress, addressKey(address));
      if (addr !== null) return { ok: false, reason: 'address', retryAfterMs: addr };
      return { ok: true };
    },
    async failed(username, address) {
      const [user, addr] = await Promise.all([consume(failuresByUser, userKey(username)), consume(failuresByAddress, addressKey(address))]);
      if (user !== null) return { ok: false, reason: 'user', retryAfterMs: user };
      if (addr !== null) return { ok: false, reason: 'address', retryAfterMs: addr };
      return { ok: true };
    },
    async succeeded(username) {
      await failuresByUser.delete(userKey(username));
    },
  };
}
