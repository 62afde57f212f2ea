import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { deskUserFromClaims, type DeskUser } from '../../shared/domain/people';
import type { SessionSnapshot, TokenSource } from '../core/sync/token-source';
import { ServerUnreachable } from '../core/sync/sync-http';
import { IdpRefused, newAuthorizationRequest, openidClientOps, signInProviderOf, type OidcOps, type TokenSet } from '../node/oidc-client';

/** Renew an access token this long before it expires. */
const EXPIRY_MARGIN_MS = 30_000;
/** How long the screen's sign-in link works (it works once). */
export const SIGN_IN_TICKET_TTL_MS = 5 * 60_000;
/** How long a person has at the identity provider before the sign-in must be started again. */
export const SIGN_IN_TTL_MS = 15 * 60_000;
/** Sign-ins started and not finished that are remembered (the oldest is forgotten first): a person may open the page a few times. */
const MAX_PENDING = 16;

interface Pending {
  codeVerifier: string;
  state: string;
  nonce: string;
  expiresAt: number;
}

/** Why /auth/start or /auth/callback was refused, in words for the page the browser shows. */
export class SignInRefused extends Error {}

interface Session {
  user: DeskUser;
  accessToken: string;
  refreshToken: string | null;
  expiresAt: number;
  /** The refresh under way: one at a time, since the provider rotates refresh tokens and treats a reuse as theft. */
  refreshing: Promise<string | null> | null;
}

/** The person an access token names, from its claims (the server checks the token itself on every request). */
export function deskUserOf(accessToken: string, fallbackName: string | null): DeskUser | null {
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(accessToken);
  } catch {
    return null;
  }
  const user = deskUserFromClaims(claims);
  return user && fallbackName && user.displayName === user.userId ? { ...user, displayName: fallbackName } : user;
}

/**
 * Sign-in for the browser host: OIDC authorization code + PKCE against the identity provider the
 * server names (GET /v1/sign-in/provider), with the redirect coming back to the host on 127.0.0.1 (RFC 8252). Sessions live in
 * this process's memory only; the core asks for access tokens and never sees a refresh token.
 *
 * One person is signed in at a time. When they sign out, or someone else signs in, their session is
 * kept (not revoked) only so that the changes they made here and had not sent can still go under
 * their own name; the core releases it as soon as nothing of theirs waits, and it is revoked then.
 * A kept session whose refresh is refused is dropped, and their changes wait for them to sign in;
 * one whose refresh cannot reach the provider is kept, and sync waits as it does offline.
 */
export class OidcSession implements TokenSource {
  private readonly oidc: OidcOps;
  private readonly pending = new Map<string, Pending>();
  /** One-time tickets for /auth/start, handed to the screen over its contract (requestSignIn). */
  private readonly tickets = new Map<string, number>();
  private session: Session | null = null;
  private readonly keptSessions = new Map<string, Session>();
  private readonly listeners: ((s: SessionSnapshot) => void)[] = [];

  constructor(
    serverUrl: string,
    private readonly redirectUri: () => string,
    private readonly now: () => number = Date.now,
    oidc: OidcOps = openidClientOps(() => signInProviderOf(serverUrl)),
  ) {
    this.oidc = oidc;
  }

  /**
   * Where to send the browser to sign in, for a ticket requestSignIn() gave the screen: the ticket
   * is taken (it works once). The sign-in is then bound to the browser's return by its state alone
   * (with PKCE and the nonce), not by anything the browser sends along: a provider on another site
   * sends the browser back without this host's cookies, and a tab session is never sent there.
   */
  async authorizationUrl(ticket: string | null): Promise<string> {
    const now = this.now();
    const expiresAt = ticket ? this.tickets.get(ticket) : undefined;
    if (ticket) this.tickets.delete(ticket);
    if (expiresAt === undefined || expiresAt <= now) {
      throw new SignInRefused('This sign-in link has been used already or is out of date. Go back to Crisis Desk and choose Sign in again.');
    }
    const { codeVerifier, codeChallenge, state, nonce } = newAuthorizationRequest();
    const url = await this.oidc.authorizationUrl({ redirectUri: this.redirectUri(), codeChallenge, state, nonce });
    this.forgetExpired(now);
    while (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(state, { codeVerifier, state, nonce, expiresAt: now + SIGN_IN_TTL_MS });
    return url;
  }

  /** The browser came back with a code: exchange it (checking state, PKCE and nonce). */
  async completeSignIn(callbackUrl: URL): Promise<void> {
    const state = callbackUrl.searchParams.get('state') ?? '';
    this.forgetExpired(this.now());
    const pending = this.pending.get(state);
    if (!pending) throw new SignInRefused('This sign-in was not started here, has already been used, or took too long. Start again from Crisis Desk.');
    this.pending.delete(state);
    const tokens = await this.oidc.exchange(callbackUrl, { redirectUri: this.redirectUri(), codeVerifier: pending.codeVerifier, state: pending.state, nonce: pending.nonce });
    const user = deskUserOf(tokens.accessToken, tokens.userName);
    if (!user) {
      if (tokens.refreshToken) void this.revoke(tokens.refreshToken);
      throw new Error('The sign-in service did not say who you are. Try again, or tell IT.');
    }
    const previous = this.session;
    // The person who was signed in leaves: their session stays only to send what they left waiting.
    if (previous && previous.user.userId !== user.userId) this.keptSessions.set(previous.user.userId, previous);
    const older = this.keptSessions.get(user.userId);
    this.keptSessions.delete(user.userId);
    if (older?.refreshToken) void this.revoke(older.refreshToken);
    if (previous && previous.user.userId === user.userId && previous.refreshToken) void this.revoke(previous.refreshToken);
    this.session = this.newSession(user, tokens);
    this.changed();
  }

  private newSession(user: DeskUser, tokens: TokenSet, previous?: Session): Session {
    return {
      user,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken ?? previous?.refreshToken ?? null,
      expiresAt: this.now() + tokens.expiresInSeconds * 1000,
      refreshing: null,
    };
  }

  private changed(ended = false): void {
    const snapshot = this.current();
    for (const l of this.listeners) l(ended ? { ...snapshot, ended: true } : snapshot);
  }

  current(): SessionSnapshot {
    return { user: this.session?.user ?? null, kept: [...this.keptSessions.keys()] };
  }

  get signedIn(): boolean {
    return this.session !== null;
  }

  /** Whose session this is: the signed-in person's (no id, or theirs), or a kept one. */
  private sessionOf(userId: string | undefined): Session | null {
    if (userId === undefined || userId === this.session?.user.userId) return this.session;
    return this.keptSessions.get(userId) ?? null;
  }

  async accessToken(userId?: string): Promise<string | null> {
    const session = this.sessionOf(userId);
    if (!session) return null;
    if (session.expiresAt - EXPIRY_MARGIN_MS > this.now()) return session.accessToken;
    return this.refresh(session);
  }

  renewAccessToken(userId?: string): Promise<string | null> {
    const session = this.sessionOf(userId);
    return session ? this.refresh(session) : Promise.resolve(null);
  }

  private refresh(session: Session): Promise<string | null> {
    session.refreshing ??= (async () => {
      if (!session.refreshToken) return this.drop(session);
      try {
        const tokens = await this.oidc.refresh(session.refreshToken);
        Object.assign(session, this.newSession(session.user, tokens, session), { refreshing: session.refreshing });
        return session.accessToken;
      } catch (e) {
        // The refresh token was refused (expired, revoked, or used elsewhere): they must sign in again.
        if (e instanceof IdpRefused) return this.drop(session);
        // The sign-in service is out of reach (the network is down): the session is kept, and sync
        // waits as it does offline, as Electron's main process does. Dropping it here would end the
        // session of everyone working through an outage longer than an access token lives.
        throw new ServerUnreachable('The sign-in service cannot be reached to renew the session.');
      }
    })().finally(() => {
      session.refreshing = null;
    });
    return session.refreshing;
  }

  /** A session that can no longer be renewed: forgotten, and the core told (ended, not signed out). */
  private drop(session: Session): null {
    if (this.session === session) {
      this.session = null;
      this.changed(true);
    } else if (this.keptSessions.get(session.user.userId) === session) {
      this.keptSessions.delete(session.user.userId);
      this.changed();
    }
    return null;
  }

  private forgetExpired(now: number): void {
    for (const [state, p] of this.pending) if (p.expiresAt <= now) this.pending.delete(state);
    for (const [ticket, expiresAt] of this.tickets) if (expiresAt <= now) this.tickets.delete(ticket);
  }

  /**
   * The screen opens this address itself (the browser host is already in a browser). Asked for
   * over the tab's contract, so the one-time ticket in it shows that whoever opens /auth/start
   * holds a tab session: a page of another origin cannot start a sign-in here.
   */
  requestSignIn(): string {
    const now = this.now();
    this.forgetExpired(now);
    while (this.tickets.size >= MAX_PENDING) this.tickets.delete(this.tickets.keys().next().value!);
    const ticket = randomBytes(24).toString('base64url');
    this.tickets.set(ticket, now + SIGN_IN_TICKET_TTL_MS);
    return `/auth/start?ticket=${ticket}`;
  }

  /** Signs the person out here; their session is kept until the core releases it (see the class). */
  requestSignOut(): void {
    const session = this.session;
    if (!session) return;
    this.session = null;
    this.keptSessions.set(session.user.userId, session);
    this.changed();
  }

  releaseSession(userId: string): void {
    const session = this.keptSessions.get(userId);
    if (!session) return;
    this.keptSessions.delete(userId);
    if (session.refreshToken) void this.revoke(session.refreshToken);
    this.changed();
  }

  private async revoke(refreshToken: string): Promise<void> {
    await this.oidc.revoke(refreshToken).catch(() => {});
  }

  onSessionChanged(listener: (s: SessionSnapshot) => void): void {
    this.listeners.push(listener);
  }
}
