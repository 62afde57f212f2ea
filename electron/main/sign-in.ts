import { rmSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_IDENTITY_CLAIMS, deskUserFromClaims, type DeskUser } from '../../shared/domain/people';
import type { SafeStorageLike } from './desk-key';
import { readTextIfExists, writeFileDurably } from '../node/durable-file';
import { IdpRefused, newAuthorizationRequest, type OidcOps, type TokenSet } from '../node/oidc-client';
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

/** How long the browser has to come back. */
export const SIGN_IN_TIMEOUT_MS = 10 * 60_000;
/** Renew an access token this long before it expires. */
const EXPIRY_MARGIN_MS = 30_000;

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

export type SessionState =
  | { status: 'signed_out'; message: string | null; ended?: boolean }
  | { status: 'signing_in' }
  | { status: 'signed_in'; userName: string | null; user: DeskUser | null };

/** What the core is answered when it asks for a token. */
export type TokenAnswer = { accessToken: string | null; unreachable?: boolean };

interface StoredSession {
  wrappedRefreshToken: string;
  userName: string | null;
  user?: DeskUser | null;
}

/** session.json: the signed-in session and those kept to send what people left waiting, refresh tokens wrapped. */
interface StoredSessions {
  version: 2;
  current: StoredSession | null;
  kept: StoredSession[];
}

/** A session held here: its refresh token (and that token wrapped, for the file), the access token in hand. */
interface Held {
  user: DeskUser | null;
  userName: string | null;
  refreshToken: string | null;
  wrapped: string | null;
  accessToken: { token: string; expiresAt: number } | null;
  refreshing: Promise<TokenAnswer> | null;
}

/** Whether the operating system protects what safeStorage wraps (DeskKeyStore.protection()). */
export type Protection = { ok: true } | { ok: false; message: string };

export interface DesktopSignInDeps {
  oidc: OidcOps;
  safeStorage: Pick<SafeStorageLike, 'encryptStringAsync' | 'decryptStringAsync'>;
  /** Folder for session.json (the wrapped refresh tokens). */
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

/**
 * One person is signed in at a time. When they sign out, or someone else signs in, their session
 * is kept (not revoked, its refresh token still wrapped on disk) only so that the changes they made
 * on this desk and had not sent can still go under their own name; the core releases it as soon as
 * nothing of theirs waits, and it is revoked then. A kept session the provider refuses is dropped,
 * and their changes wait for them to sign in again.
 */
export class DesktopSignIn {
  private state: SessionState = { status: 'signed_out', message: null };
  private session: Held | null = null;
  private readonly kept = new Map<string, Held>();
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

  /** The signed-in clinician's subject (the token's `sub`); null when signed out or not yet known. */
  get subject(): string | null {
    return this.state.status === 'signed_in' ? (this.state.user?.userId ?? null) : null;
  }

  private async unprotected(): Promise<string | null> {
    const p = (await this.deps.protection?.()) ?? { ok: true };
    return p.ok ? null : p.message;
  }

  /** Who is signed in (from their access token), and whose sessions are kept: what the core is told. */
  snapshot(): { user: DeskUser | null; kept: string[]; ended: boolean } {
    return {
      user: this.state.status === 'signed_in' ? this.state.user : null,
      kept: [...this.kept.keys()],
      ended: this.state.status === 'signed_out' && this.state.ended === true,
    };
  }

  onChange(listener: (s: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(state: SessionState): void {
    this.state = state;
    for (const l of this.listeners) l(state);
  }

  /** Something other than the signed-in state changed (a kept session came or went): tell the listeners again. */
  private announce(): void {
    for (const l of this.listeners) l(this.state);
  }

  /** Restores sessions kept from an earlier run (their refresh tokens, unwrapped). A token that will not unwrap is forgotten. */
  async restore(): Promise<void> {
    const text = readTextIfExists(this.file);
    if (!text) return;
    // Written where safeStorage could not protect it (an earlier version did): it is only obfuscated,
    // so it goes, and its sign-ins are ended at the provider when that can be reached.
    if (await this.unprotected()) {
      void this.revokeStored(text);
      return this.forgetAll();
    }
    let stored: StoredSessions;
    try {
      const raw = JSON.parse(text) as Omit<Partial<StoredSessions>, 'version'> & Partial<StoredSession> & { version?: number };
      // Version 1 held one session and no kept ones.
      stored = raw.version === 1 && typeof raw.wrappedRefreshToken === 'string'
        ? { version: 2, current: { wrappedRefreshToken: raw.wrappedRefreshToken, userName: raw.userName ?? null }, kept: [] }
        : (raw as StoredSessions);
      if (stored.version !== 2 || !Array.isArray(stored.kept)) throw new Error('bad session file');
    } catch {
      return this.forgetAll();
    }
    const unwrap = async (s: StoredSession): Promise<Held | null> => {
      try {
        if (typeof s.wrappedRefreshToken !== 'string') return null;
        const { result } = await this.deps.safeStorage.decryptStringAsync(Buffer.from(s.wrappedRefreshToken, 'base64'));
        return { user: s.user ?? null, userName: s.userName ?? null, refreshToken: result, wrapped: s.wrappedRefreshToken, accessToken: null, refreshing: null };
      } catch {
        return null;
      }
    };
    const current = stored.current ? await unwrap(stored.current) : null;
    for (const k of stored.kept) {
      const held = await unwrap(k);
      if (held?.user) this.kept.set(held.user.userId, held);
    }
    if (current) {
      this.session = current;
      this.set({ status: 'signed_in', userName: current.userName, user: current.user });
    } else if (stored.current || this.kept.size > 0) {
      this.save();
      this.announce();
    } else {
      this.forgetAll();
    }
  }

  private async revokeStored(text: string): Promise<void> {
    try {
      const raw = JSON.parse(text) as Partial<StoredSessions> & Partial<StoredSession>;
      const wrapped = [raw.wrappedRefreshToken, raw.current?.wrappedRefreshToken, ...(Array.isArray(raw.kept) ? raw.kept.map((k) => k?.wrappedRefreshToken) : [])];
      for (const w of wrapped) {
        if (typeof w !== 'string') continue;
        const { result } = await this.deps.safeStorage.decryptStringAsync(Buffer.from(w, 'base64'));
        await this.deps.oidc.revoke(result).catch(() => {});
      }
    } catch {
      // unreadable, or the provider is out of reach: the tokens are forgotten here all the same
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
      const { codeVerifier: verifier, codeChallenge, state, nonce } = newAuthorizationRequest();
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
      const held: Held = { user: null, userName: tokens.userName, refreshToken: null, wrapped: null, accessToken: null, refreshing: null };
      await this.keep(held, tokens);
      // Whoever was signed in leaves: their session is kept only to send what they left waiting.
      const leaving = this.session;
      if (leaving && leaving.user?.userId !== held.user?.userId && leaving.user) this.kept.set(leaving.user.userId, leaving);
      else if (leaving?.refreshToken) void this.deps.oidc.revoke(leaving.refreshToken).catch(() => {});
      const again = held.user ? this.kept.get(held.user.userId) : undefined;
      if (again) {
        this.kept.delete(held.user!.userId);
        if (again.refreshToken) void this.deps.oidc.revoke(again.refreshToken).catch(() => {});
      }
      this.session = held;
      this.save();
      this.set({ status: 'signed_in', userName: tokens.userName, user: held.user });
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

  /** Takes a token answer into a held session: who it names, the access token, the (rotated) refresh token wrapped. */
  private async keep(held: Held, tokens: TokenSet): Promise<void> {
    held.accessToken = { token: tokens.accessToken, expiresAt: this.now() + tokens.expiresInSeconds * 1000 };
    const claims = { ...DEFAULT_IDENTITY_CLAIMS, ...(this.deps.trust ? { trust: this.deps.trust.claim } : {}) };
    const user = deskUserFromClaims(jwtClaims(tokens.accessToken), claims);
    if (user) held.user = held.userName && user.displayName === user.userId ? { ...user, displayName: held.userName } : user;
    if (tokens.refreshToken) {
      held.refreshToken = tokens.refreshToken;
      // Never written where safeStorage only obfuscates (the keyring went away since the check above).
      if (await this.unprotected()) {
        held.wrapped = null;
        return;
      }
      held.wrapped = (await this.deps.safeStorage.encryptStringAsync(tokens.refreshToken)).toString('base64');
      // Rotated tokens are stored before anything else happens: the old one is now spent.
      this.save();
    }
  }

  /** Writes session.json from what is held now (refresh tokens only wrapped); removes it when nothing is. */
  private save(): void {
    const stored = (h: Held): StoredSession | null => (h.wrapped ? { wrappedRefreshToken: h.wrapped, userName: h.userName, user: h.user } : null);
    const current = this.session ? stored(this.session) : null;
    const kept = [...this.kept.values()].map(stored).filter((k): k is StoredSession => k !== null);
    if (!current && kept.length === 0) {
      rmSync(this.file, { force: true });
      return;
    }
    writeFileDurably(this.file, `${JSON.stringify({ version: 2, current, kept } satisfies StoredSessions)}\n`);
  }

  private heldFor(userId: string | undefined): Held | null {
    if (userId === undefined || (this.session && this.session.user?.userId === userId)) return this.state.status === 'signed_in' ? this.session : null;
    return this.kept.get(userId) ?? null;
  }

  /** A token for the core (the signed-in person's, or `userId`'s kept session): current, refreshed when near expiry, or null. */
  async token(userId?: string): Promise<TokenAnswer> {
    const held = this.heldFor(userId);
    if (!held) return { accessToken: null };
    if (held.accessToken && held.accessToken.expiresAt - EXPIRY_MARGIN_MS > this.now()) {
      // A session restored from an older file learns who it is from its first token.
      return { accessToken: held.accessToken.token };
    }
    return this.refresh(held);
  }

  /** The server refused the last token: refresh (once, whoever asks). */
  renew(userId?: string): Promise<TokenAnswer> {
    const held = this.heldFor(userId);
    return held ? this.refresh(held) : Promise.resolve({ accessToken: null });
  }

  private refresh(held: Held): Promise<TokenAnswer> {
    // One refresh at a time: the provider rotates refresh tokens and treats a reuse as theft.
    held.refreshing ??= (async (): Promise<TokenAnswer> => {
      const refreshToken = held.refreshToken;
      if (!refreshToken) return this.expire(held, 'Your session has ended: sign in to sync.');
      try {
        const tokens = await this.deps.oidc.refresh(refreshToken);
        const hadUser = held.user !== null;
        await this.keep(held, tokens);
        if (!hadUser && held === this.session && this.state.status === 'signed_in') this.set({ ...this.state, user: held.user });
        return { accessToken: tokens.accessToken };
      } catch (e) {
        if (e instanceof IdpRefused) return this.expire(held, 'Your session has ended: sign in to sync. Working on this desk carries on.');
        return { accessToken: null, unreachable: true };
      }
    })().finally(() => {
      held.refreshing = null;
    });
    return held.refreshing;
  }

  /** A session that can no longer be renewed: forgotten. The signed-in one ends (not a sign-out: the person stays the desk user). */
  private expire(held: Held, message: string): TokenAnswer {
    if (held === this.session) {
      this.session = null;
      this.save();
      if (this.state.status !== 'signed_out') this.set({ status: 'signed_out', message, ended: true });
    } else if (held.user && this.kept.get(held.user.userId) === held) {
      this.kept.delete(held.user.userId);
      this.save();
      this.announce();
    }
    return { accessToken: null };
  }

  private forgetAll(): void {
    this.session = null;
    this.kept.clear();
    rmSync(this.file, { force: true });
  }

  /**
   * Signs out here. The session is kept, wrapped on disk, only until the core releases it (nothing
   * of theirs waits); a session with no one to name is revoked at once.
   */
  signOut(): void {
    const pending = this.loopback;
    this.loopback = null;
    pending?.close();
    const leaving = this.session;
    this.session = null;
    if (leaving?.user) this.kept.set(leaving.user.userId, leaving);
    else if (leaving?.refreshToken) void this.deps.oidc.revoke(leaving.refreshToken).catch(() => {});
    this.save();
    this.set({ status: 'signed_out', message: null });
  }

  /** Nothing of this person's waits on the desk any more: revoke and forget their kept session. */
  release(userId: string): void {
    const held = this.kept.get(userId);
    if (!held) return;
    this.kept.delete(userId);
    this.save();
    if (held.refreshToken) void this.deps.oidc.revoke(held.refreshToken).catch(() => {});
    this.announce();
  }
}

/** What the core is told of the sessions (the session-changed lifecycle message, without its kind). */
export function sessionInfo(signIn: DesktopSignIn | null): { signedIn: boolean; userName: string | null; user: DeskUser | null; kept: string[]; ended?: boolean } {
  if (!signIn) return { signedIn: false, userName: null, user: null, kept: [] };
  const s = signIn.snapshot();
  return { signedIn: signIn.signedIn, userName: signIn.userName, user: s.user, kept: s.kept, ...(s.ended ? { ended: true } : {}) };
}
