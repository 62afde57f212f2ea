import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/db';

/*
 * The admin console's sessions, kept server-side in PostgreSQL (every API node sees them): the
 * browser holds only an HttpOnly cookie with the session's secret; the row is found by the secret's
 * hash. The OIDC tokens the console acts with are sealed (AES-256-GCM) under a key derived from that
 * secret, which the server never stores, so the table alone (a backup, a leak) opens nothing.
 */

export const CONSOLE_COOKIE = 'cd_console';
/** A sign-in must come back from the identity provider within this. */
const PENDING_MS = 10 * 60_000;
/** Signed in: this long without a request ends the session (NHS guidance for admin tools: short idle timeouts). */
export const CONSOLE_IDLE_MS = 30 * 60_000;
/** And never longer than a working day. */
export const CONSOLE_MAX_MS = 10 * 3_600_000;

export interface ConsoleTokens {
  accessToken: string;
  refreshToken: string | null;
}

export interface ConsoleUser {
  userId: string;
  trustId: string;
  displayName: string;
  csrfToken: string;
  tokens: ConsoleTokens;
}

export interface PendingSignIn {
  state: string;
  verifier: string;
  returnTo: string;
}

const b64url = (b: Buffer) => b.toString('base64url');
export const newSecret = (bytes = 32): string => b64url(randomBytes(bytes));
const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');
const keyOf = (secret: string) => Buffer.from(hkdfSync('sha256', Buffer.from(secret), Buffer.alloc(0), 'crisis-desk console tokens', 32));

function seal(secret: string, tokens: ConsoleTokens): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', keyOf(secret), iv);
  const body = Buffer.concat([c.update(JSON.stringify(tokens), 'utf8'), c.final()]);
  return [iv, c.getAuthTag(), body].map(b64url).join('.');
}

function open(secret: string, sealed: string): ConsoleTokens | null {
  try {
    const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
    const d = createDecipheriv('aes-256-gcm', keyOf(secret), iv);
    d.setAuthTag(tag);
    return JSON.parse(Buffer.concat([d.update(body), d.final()]).toString('utf8')) as ConsoleTokens;
  } catch {
    return null;
  }
}

/** Constant-time comparison of a form's CSRF token with the session's. */
export function sameToken(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class ConsoleSessions {
  constructor(private readonly db: Db) {}

  /** A sign-in under way: its state and PKCE verifier, under a new cookie secret. */
  async startSignIn(returnTo: string): Promise<{ secret: string; pending: PendingSignIn }> {
    const secret = newSecret();
    const pending = { state: newSecret(24), verifier: newSecret(48), returnTo };
    await this.db.query(
      `INSERT INTO console_session (id_hash, oidc_state, pkce_verifier, return_to, expires_at) VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')`,
      [hashOf(secret), pending.state, pending.verifier, returnTo, PENDING_MS],
    );
    return { secret, pending };
  }

  /** The sign-in this cookie started, once (a code can complete it only once), or null. */
  async takePending(secret: string): Promise<PendingSignIn | null> {
    const [row] = await this.db.query<{ oidc_state: string; pkce_verifier: string; return_to: string }>(
      `DELETE FROM console_session WHERE id_hash = $1 AND user_id IS NULL AND expires_at > now() RETURNING oidc_state, pkce_verifier, return_to`,
      [hashOf(secret)],
    );
    return row ? { state: row.oidc_state, verifier: row.pkce_verifier, returnTo: row.return_to } : null;
  }

  /** A signed-in session under a fresh secret (never the one the sign-in started with: no fixation). */
  async signIn(user: Omit<ConsoleUser, 'csrfToken'>): Promise<{ secret: string; csrfToken: string }> {
    const secret = newSecret();
    const csrfToken = newSecret();
    await this.db.query(
      `INSERT INTO console_session (id_hash, user_id, trust_id, display_name, tokens_sealed, csrf_token, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + $7 * interval '1 millisecond')`,
      [hashOf(secret), user.userId, user.trustId, user.displayName, seal(secret, user.tokens), csrfToken, CONSOLE_MAX_MS],
    );
    return { secret, csrfToken };
  }

  /** The signed-in user of this cookie, or null (unknown, idle too long, or past its end). Marks it seen. */
  async current(secret: string): Promise<ConsoleUser | null> {
    const [row] = await this.db.query<{ user_id: string; trust_id: string; display_name: string; tokens_sealed: string; csrf_token: string }>(
      `UPDATE console_session SET seen_at = now()
       WHERE id_hash = $1 AND user_id IS NOT NULL AND expires_at > now() AND seen_at > now() - $2 * interval '1 millisecond'
       RETURNING user_id, trust_id, display_name, tokens_sealed, csrf_token`,
      [hashOf(secret), CONSOLE_IDLE_MS],
    );
    if (!row) return null;
    const tokens = open(secret, row.tokens_sealed);
    if (!tokens) return null;
    return { userId: row.user_id, trustId: row.trust_id, displayName: row.display_name, csrfToken: row.csrf_token, tokens };
  }

  async replaceTokens(secret: string, tokens: ConsoleTokens): Promise<void> {
    await this.db.query('UPDATE console_session SET tokens_sealed = $2 WHERE id_hash = $1', [hashOf(secret), seal(secret, tokens)]);
  }

  async end(secret: string): Promise<void> {
    await this.db.query('DELETE FROM console_session WHERE id_hash = $1', [hashOf(secret)]);
  }

  /** Drops sessions past their end (called now and then; expired rows are never honoured anyway). */
  async sweep(): Promise<void> {
    await this.db.query(`DELETE FROM console_session WHERE expires_at < now() OR seen_at < now() - $1 * interval '1 millisecond'`, [CONSOLE_MAX_MS]);
  }
}
