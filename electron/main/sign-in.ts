import { randomBytes, createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { SafeStorageLike } from './desk-key';
import { readTextIfExists, writeFileDurably } from './durable-file';
import type { LoopbackRedirect } from './loopback-redirect';

/*
 * Sign-in for the desktop app (DESIGN.md §5, §7): OIDC authorization code + PKCE (S256) in the
 * system browser, the redirect coming back to a one-shot loopback listener (RFC 8252). Main keeps
 * the session; the core asks it for access tokens over its lifecycle channel and never sees the
 * refresh token, which is stored only wrapped with safeStorage.
 *
 *   signed_out ──signIn()──► signing_in ──callback ok──► signed_in
 *        ▲                      │ error / timeout / cancel      │ refresh refused (invalid_grant),
 *        └──────────────────────┘                               │ signOut()
 *        └──────────────────────────────────────────────────────┘
 *
 * Working offline never needs a token. When the identity provider cannot be reached, the session
 * is kept and the core is told "unreachable" (sync backs off as when offline); only a refusal
 * ends the session, and that only pauses sync until someone signs in again.
 */

/** The desk's public client at the identity provider. */
export const DESK_CLIENT_ID = 'crisis-desk';
export const SIGN_IN_SCOPE = 'openid profile offline_access';
/** How long the browser has to come back. */
export const SIGN_IN_TIMEOUT_MS = 10 * 60_000;
/** Renew an access token this long before it expires. */
const EXPIRY_MARGIN_MS = 30_000;

export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  expiresInSeconds: number;
  /** From the ID token (name, else sub) on a code exchange; null on a refresh. */
  userName: string | null;
  /** The ID token's `sub` on a code exchange (who signed in); null on a refresh. */
  subject?: string | null;
}

/** Who a fresh sign-in was. */
export interface SignedInAs {
  subject: string;
  name: string | null;
}

export interface SignInOptions {
  /** Before the new session is kept: null to keep it, or why not (it is then revoked and the old session stays). */
  admit?(who: SignedInAs): string | null;
  /** After a fresh sign-in was kept (never after a failed or abandoned attempt). */
  onSignedIn?(who: SignedInAs): void;
  /** A sign-in admit() refused, with its reason. */
  onRefused?(message: string): void;
}

/** The identity provider refused (invalid_grant, access_denied, …): a person must sign in again. */
export class IdpRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdpRefused';
  }
}

/** The protocol operations, over openid-client in the app (oidc-client.ts) and a fake in tests. */
export interface OidcOps {
  authorizationUrl(p: { redirectUri: string; codeChallenge: string; state: string; nonce: string }): Promise<string>;
  /** Exchanges the code in callbackUrl, checking state, PKCE and nonce. Throws IdpRefused on a refusal. */
  exchange(callbackUrl: URL, p: { redirectUri: string; codeVerifier: string; state: string; nonce: string }): Promise<TokenSet>;
  /** Throws IdpRefused when the refresh token is refused; anything else means unreachable. */
  refresh(refreshToken: string): Promise<TokenSet>;
  revoke(refreshToken: string): Promise<void>;
}

export type SessionState =
  | { status: 'signed_out'; message: string | null }
  | { status: 'signing_in' }
  | { status: 'signed_in'; userName: string | null };

/** What the core is answered when it asks for a token. */
export type TokenAnswer = { accessToken: string | null; unreachable?: boolean };

interface StoredSession {
  version: 1;
  wrappedRefreshToken: string;
  userName: string | null;
  subject?: string | null;
}

/** Whether the operating system protects what safeStorage wraps (DeskKeyStore.protection()). */
export type Protection = { ok: true } | { ok: false; message: string };

export interface DesktopSignInDeps {
  oidc: OidcOps;
  safeStorage: Pick<SafeStorageLike, 'encryptStringAsync' | 'decryptStringAsync'>;
  /** Folder for session.json (the wrapped refresh token). */
  dir: string;
  openBrowser(url: string): Promise<void>;
  startLoopback(timeoutMs: number): Promise<LoopbackRedirect>;
  /** The machine policy's trust: sign-ins from another trust's accounts are refused. */
  trust?: { id: string; claim: string } | null;
  /**
   * Can safeStorage protect the refresh token here? On Linux without a keyring it only obfuscates
   * with a fixed password: then nothing is stored and signing in is refused.
   */
  protection?: () => Promise<Protection>;
  now?: () => number;
}

function base64url(b: Buffer): string {
  return b.toString('base64url');
}

/** The claims of a JWT, without checking it (the server checks every token; this only reads which trust it names). */
export function jwtClaims(token: string): Record<string, unknown> | null {
  try {
    const payload = token.split('.')[1];
    if (!payload) return null;
    const v = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export class DesktopSignIn {
  private state: SessionState = { status: 'signed_out', message: null };
  private accessToken: { token: string; expiresAt: number } | null = null;
  private refreshToken: string | null = null;
  private who: SignedInAs | null = null;
  private refreshing: Promise<TokenAnswer> | null = null;
  private loopback: LoopbackRedirect | null = null;
  private readonly listeners = new Set<(s: SessionState) => void>();
  private readonly now: () => number;

  constructor(private readonly deps: DesktopSignInDeps) {
    this.now = deps.now ?? Date.now;
  }

  private get file(): string {
    return path.join(this.deps.dir, 'session.json');
  }

  get current(): SessionState {
    return this.state;
  }

  get signedIn(): boolean {
    return this.state.status === 'signed_in';
  }

  get userName(): string | null {
    return this.state.status === 'signed_in' ? this.state.userName : null;
  }

  /** The signed-in clinician's subject (null when signed out, or for a session kept from before subjects were stored). */
  get subject(): string | null {
    return this.state.status === 'signed_in' ? (this.who?.subject ?? null) : null;
  }

  private async unprotected(): Promise<string | null> {
    const p = (await this.deps.protection?.()) ?? { ok: true };
    return p.ok ? null : p.message;
  }

  onChange(listener: (s: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(state: SessionState): void {
    this.state = state;
    for (const l of this.listeners) l(state);
  }

  /** Restores a session kept from an earlier run (its refresh token, unwrapped). A token that will not unwrap is forgotten. */
  async restore(): Promise<void> {
    const text = readTextIfExists(this.file);
    if (!text) return;
    // Written where safeStorage could not protect it (an earlier version did): it is only obfuscated,
    // so it goes, and its sign-in is ended at the provider when that can be reached.
    if (await this.unprotected()) {
      void this.revokeStored(text);
      return this.forget();
    }
    try {
      const stored = JSON.parse(text) as Partial<StoredSession>;
      if (stored.version !== 1 || typeof stored.wrappedRefreshToken !== 'string') throw new Error('bad session file');
      const { result } = await this.deps.safeStorage.decryptStringAsync(Buffer.from(stored.wrappedRefreshToken, 'base64'));
      this.refreshToken = result;
      this.who = typeof stored.subject === 'string' ? { subject: stored.subject, name: stored.userName ?? null } : null;
      this.set({ status: 'signed_in', userName: stored.userName ?? null });
    } catch {
      this.forget();
    }
  }

  private async revokeStored(text: string): Promise<void> {
    try {
      const stored = JSON.parse(text) as Partial<StoredSession>;
      if (typeof stored.wrappedRefreshToken !== 'string') return;
      const { result } = await this.deps.safeStorage.decryptStringAsync(Buffer.from(stored.wrappedRefreshToken, 'base64'));
      await this.deps.oidc.revoke(result);
    } catch {
      // unreadable, or the provider is out of reach: the token is forgotten here all the same
    }
  }

  /**
   * Opens the identity provider in the system browser and waits for it to come back. Resolves when
   * the attempt ends (signed in, refused, timed out, cancelled); the state says which.
   */
  async signIn(options: SignInOptions = {}): Promise<SessionState> {
    const unprotected = await this.unprotected();
    if (unprotected) {
      if (this.state.status !== 'signed_in') this.set({ status: 'signed_out', message: unprotected });
      return this.state;
    }
    // A second request starts afresh (the first browser tab may have been closed).
    const older = this.loopback;
    this.loopback = null;
    older?.close();
    const previous: SessionState = this.state.status === 'signing_in' ? { status: 'signed_out', message: null } : this.state;
    this.set({ status: 'signing_in' });
    let loopback: LoopbackRedirect | null = null;
    try {
      loopback = await this.deps.startLoopback(SIGN_IN_TIMEOUT_MS);
      this.loopback = loopback;
      const verifier = base64url(randomBytes(32));
      const state = base64url(randomBytes(16));
      const nonce = base64url(randomBytes(16));
      const codeChallenge = base64url(createHash('sha256').update(verifier).digest());
      const url = await this.deps.oidc.authorizationUrl({ redirectUri: loopback.redirectUri, codeChallenge, state, nonce });
      await this.deps.openBrowser(url);
      const callback = await loopback.callback;
      if (callback.searchParams.get('error')) {
        throw new IdpRefused(`The sign-in service said: ${callback.searchParams.get('error_description') ?? callback.searchParams.get('error')}.`);
      }
      const tokens = await this.deps.oidc.exchange(callback, { redirectUri: loopback.redirectUri, codeVerifier: verifier, state, nonce });
      const wrongTrust = this.wrongTrust(tokens.accessToken);
      if (wrongTrust) {
        if (tokens.refreshToken) void this.deps.oidc.revoke(tokens.refreshToken).catch(() => {});
        throw new IdpRefused(wrongTrust);
      }
      const subject = tokens.subject ?? jwtClaims(tokens.accessToken)?.sub;
      if (typeof subject !== 'string') {
        if (tokens.refreshToken) void this.deps.oidc.revoke(tokens.refreshToken).catch(() => {});
        throw new IdpRefused('The sign-in service did not say who signed in. Start again, or contact IT.');
      }
      const who: SignedInAs = { subject, name: tokens.userName };
      const refusal = options.admit?.(who) ?? null;
      if (refusal) {
        if (tokens.refreshToken) void this.deps.oidc.revoke(tokens.refreshToken).catch(() => {});
        options.onRefused?.(refusal);
        throw new IdpRefused(refusal);
      }
      await this.keep(tokens, tokens.userName, who);
      this.set({ status: 'signed_in', userName: tokens.userName });
      options.onSignedIn?.(who);
    } catch (e) {
      if (this.loopback !== loopback) return this.state; // replaced by a newer attempt
      const message = e instanceof IdpRefused ? e.message : (e as Error).message?.startsWith('The sign-in') ? (e as Error).message : 'The sign-in service could not be reached. Carry on working: everything is saved on this desk.';
      this.set(previous.status === 'signed_in' ? previous : { status: 'signed_out', message });
    } finally {
      if (this.loopback === loopback) this.loopback = null;
      loopback?.close();
    }
    return this.state;
  }

  private wrongTrust(accessToken: string): string | null {
    const trust = this.deps.trust;
    if (!trust) return null;
    const named = jwtClaims(accessToken)?.[trust.claim];
    return named === trust.id ? null : 'That account belongs to another organisation: this computer is set up for a different trust. Sign in with your own trust’s account.';
  }

  private async keep(tokens: TokenSet, userName: string | null, who: SignedInAs | null = this.who): Promise<void> {
    this.accessToken = { token: tokens.accessToken, expiresAt: this.now() + tokens.expiresInSeconds * 1000 };
    this.who = who;
    if (tokens.refreshToken) {
      this.refreshToken = tokens.refreshToken;
      // Never written where safeStorage only obfuscates (the keyring went away since the check above).
      if (await this.unprotected()) return;
      // Rotated tokens are stored before anything else happens: the old one is now spent.
      const wrapped = await this.deps.safeStorage.encryptStringAsync(tokens.refreshToken);
      const stored: StoredSession = { version: 1, wrappedRefreshToken: wrapped.toString('base64'), userName, subject: who?.subject ?? null };
      writeFileDurably(this.file, `${JSON.stringify(stored)}\n`);
    }
  }

  /** A token for the core: current, refreshed when near expiry, or null when nobody is signed in. */
  async token(): Promise<TokenAnswer> {
    if (this.state.status !== 'signed_in') return { accessToken: null };
    if (this.accessToken && this.accessToken.expiresAt - EXPIRY_MARGIN_MS > this.now()) return { accessToken: this.accessToken.token };
    return this.refresh();
  }

  /** The server refused the last token: refresh (once, whoever asks). */
  renew(): Promise<TokenAnswer> {
    if (this.state.status !== 'signed_in') return Promise.resolve({ accessToken: null });
    return this.refresh();
  }

  private refresh(): Promise<TokenAnswer> {
    // One refresh at a time: the provider rotates refresh tokens and treats a reuse as theft.
    this.refreshing ??= (async (): Promise<TokenAnswer> => {
      const refreshToken = this.refreshToken;
      if (!refreshToken) return this.expire('Your session has ended: sign in to sync.');
      try {
        const tokens = await this.deps.oidc.refresh(refreshToken);
        await this.keep(tokens, this.userName);
        return { accessToken: tokens.accessToken };
      } catch (e) {
        if (e instanceof IdpRefused) return this.expire('Your session has ended: sign in to sync. Working on this desk carries on.');
        return { accessToken: null, unreachable: true };
      }
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private expire(message: string): TokenAnswer {
    this.forget();
    if (this.state.status !== 'signed_out') this.set({ status: 'signed_out', message });
    return { accessToken: null };
  }

  private forget(): void {
    this.accessToken = null;
    this.refreshToken = null;
    this.who = null;
    rmSync(this.file, { force: true });
  }

  /** Signs out here and revokes the refresh token at the provider when it can be reached. */
  signOut(): void {
    const refreshToken = this.refreshToken;
    const pending = this.loopback;
    this.loopback = null;
    pending?.close();
    this.forget();
    this.set({ status: 'signed_out', message: null });
    if (refreshToken) void this.deps.oidc.revoke(refreshToken).catch(() => {});
  }
}
