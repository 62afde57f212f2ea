import * as oidc from 'openid-client';
import type { TokenSource } from '../core/sync/token-source';

/** The desk's public client at the identity provider (no secret: it runs on people's machines). */
export const DESK_CLIENT_ID = 'crisis-desk';
const SCOPE = 'openid profile offline_access';
/** Renew an access token this long before it expires. */
const EXPIRY_MARGIN_MS = 30_000;

interface Pending {
  verifier: string;
  state: string;
  nonce: string;
}

interface Session {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: number;
  userName: string | null;
}

/**
 * Sign-in for the browser host: OIDC authorization code + PKCE against the server's identity
 * provider, with the redirect coming back to the host on 127.0.0.1 (RFC 8252). The session lives
 * in this process's memory only; the core asks it for access tokens and never sees the refresh
 * token. Refreshes are one at a time: the provider rotates refresh tokens and treats a second use
 * of one as theft.
 */
export class OidcSession implements TokenSource {
  private config: oidc.Configuration | null = null;
  private readonly pending = new Map<string, Pending>();
  private session: Session | null = null;
  private refreshing: Promise<string | null> | null = null;
  private readonly listeners: ((s: { signedIn: boolean; userName: string | null }) => void)[] = [];

  constructor(
    private readonly issuer: string,
    private readonly redirectUri: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  private async configuration(): Promise<oidc.Configuration> {
    this.config ??= await oidc.discovery(new URL(this.issuer), DESK_CLIENT_ID, undefined, oidc.None(), {
      // The demo server runs on plain HTTP on this machine; a trust's server is HTTPS.
      execute: new URL(this.issuer).protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
    });
    return this.config;
  }

  /** Where to send the browser to sign in. */
  async authorizationUrl(): Promise<string> {
    const config = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    this.pending.set(state, { verifier, state, nonce });
    return oidc
      .buildAuthorizationUrl(config, {
        redirect_uri: this.redirectUri(),
        scope: SCOPE,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      })
      .toString();
  }

  /** The browser came back with a code: exchange it (checking state, PKCE and nonce). */
  async completeSignIn(callbackUrl: URL): Promise<void> {
    const state = callbackUrl.searchParams.get('state') ?? '';
    const pending = this.pending.get(state);
    if (!pending) throw new Error('This sign-in was not started here, or has already been used. Start again from Crisis Desk.');
    this.pending.delete(state);
    const tokens = await oidc.authorizationCodeGrant(await this.configuration(), callbackUrl, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
    });
    const claims = tokens.claims();
    this.keep(tokens, typeof claims?.name === 'string' ? claims.name : typeof claims?.sub === 'string' ? claims.sub : null);
    this.changed();
  }

  private keep(tokens: oidc.TokenEndpointResponse, userName: string | null): void {
    this.session = {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token ?? this.session?.refreshToken ?? null,
      expiresAt: this.now() + (tokens.expires_in ?? 300) * 1000,
      userName,
    };
  }

  private changed(): void {
    for (const l of this.listeners) l({ signedIn: this.session !== null, userName: this.session?.userName ?? null });
  }

  get signedIn(): boolean {
    return this.session !== null;
  }

  async accessToken(): Promise<string | null> {
    if (!this.session) return null;
    if (this.session.expiresAt - EXPIRY_MARGIN_MS > this.now()) return this.session.accessToken;
    return this.refresh();
  }

  renewAccessToken(): Promise<string | null> {
    return this.refresh();
  }

  private refresh(): Promise<string | null> {
    this.refreshing ??= (async () => {
      const session = this.session;
      if (!session?.refreshToken) return this.endSession();
      try {
        const tokens = await oidc.refreshTokenGrant(await this.configuration(), session.refreshToken);
        this.keep(tokens, session.userName);
        return this.session!.accessToken;
      } catch {
        // The refresh token was refused (expired, revoked, or used elsewhere): sign in again.
        return this.endSession();
      }
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private endSession(): null {
    const had = this.session !== null;
    this.session = null;
    if (had) this.changed();
    return null;
  }

  /** The screen opens this address itself: the browser host is already in a browser. */
  requestSignIn(): string {
    return '/auth/start';
  }

  requestSignOut(): void {
    const token = this.session?.refreshToken;
    this.endSession();
    if (token) void this.configuration().then((c) => oidc.tokenRevocation(c, token)).catch(() => {});
  }

  onSessionChanged(listener: (s: { signedIn: boolean; userName: string | null }) => void): void {
    this.listeners.push(listener);
  }
}
