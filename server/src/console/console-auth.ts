import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { IdpRefused, openidClientOps, type OidcOps } from '../../../electron/node/oidc-client';
import type { App, ServerDeps } from '../app';
import { CONSOLE_CALLBACK_PATH } from '../auth/dev-idp/clients';
import { builtInIssuer } from '../auth/issuer';
import type { Principal } from '../auth/principal';
import type { ConsoleTokens } from './console-session';

/*
 * The console signs in like the desk does, with OIDC authorization code + PKCE (S256) at the same
 * identity provider, as its own public client (CONSOLE_OIDC_CLIENT_ID). With the built-in provider
 * the code is exchanged in-process (the server need not reach its own public address); with an
 * external one through the desk's own OIDC client (openid-client: discovery, state, PKCE, nonce and
 * the ID token checked). The access token is then verified exactly as every API request's is.
 */

export class ConsoleSignInError extends Error {}

interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
}

const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
/** The nonce, derived from the PKCE verifier only this sign-in's session row holds, so it needs no column of its own. */
const nonceOf = (verifier: string) => createHash('sha256').update(`nonce:${verifier}`).digest('base64url');

const UNREACHABLE = 'The identity provider cannot be reached. Try again in a minute; if it persists, call IT.';

export class ConsoleAuth {
  readonly clientId: string;
  readonly redirectUri: string;
  /** The external provider's client, or null with the built-in one. */
  private readonly external: OidcOps | null;

  constructor(
    private readonly app: App,
    private readonly deps: ServerDeps,
  ) {
    this.clientId = deps.config.CONSOLE_OIDC_CLIENT_ID;
    this.redirectUri = `${builtInIssuer(deps.config)}${CONSOLE_CALLBACK_PATH}`;
    const { OIDC_ISSUER, OIDC_ASK_CONSENT } = deps.config;
    this.external = OIDC_ISSUER ? openidClientOps({ issuer: OIDC_ISSUER, clientId: this.clientId, askConsent: OIDC_ASK_CONSENT === '1' }) : null;
  }

  /** Where to send the browser to sign in. */
  async authorizeUrl(state: string, verifier: string): Promise<string> {
    // Not forced to log in again: the console runs in the lead's own browser, not on a shared desk.
    if (this.external) {
      return this.external.authorizationUrl({ redirectUri: this.redirectUri, codeChallenge: challengeOf(verifier), state, nonce: nonceOf(verifier), forceLogin: false }).catch(() => {
        throw new ConsoleSignInError(UNREACHABLE);
      });
    }
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: this.clientId,
      redirect_uri: this.redirectUri,
      scope: 'openid profile offline_access',
      state,
      code_challenge: challengeOf(verifier),
      code_challenge_method: 'S256',
    });
    return `/oidc/authorize?${q}`;
  }

  /** The built-in provider's token endpoint, in-process. */
  private async token(form: Record<string, string>): Promise<TokenAnswer> {
    const r = await this.app.inject({
      method: 'POST',
      url: '/oidc/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ client_id: this.clientId, ...form }).toString(),
    });
    const a = r.json() as Partial<TokenAnswer> & { error_description?: string };
    if (r.statusCode !== 200 || typeof a.access_token !== 'string') {
      throw new ConsoleSignInError(a.error_description ? `Sign-in was refused: ${a.error_description}` : 'Sign-in was refused by the identity provider. Sign in again.');
    }
    return a as TokenAnswer;
  }

  /**
   * The provider's answer at /console/callback (its whole query: an external provider's `iss` is
   * checked too) exchanged and verified: who signed in, and the tokens the console acts with.
   */
  async complete(query: URLSearchParams, verifier: string): Promise<{ principal: Principal; tokens: ConsoleTokens }> {
    let tokens: ConsoleTokens;
    if (this.external) {
      const callback = new URL(this.redirectUri);
      callback.search = query.toString();
      const t = await this.external.exchange(callback, { redirectUri: this.redirectUri, codeVerifier: verifier, state: query.get('state') ?? '', nonce: nonceOf(verifier) }).catch((e: unknown) => {
        throw new ConsoleSignInError(e instanceof IdpRefused ? `${e.message} Sign in again.` : UNREACHABLE);
      });
      tokens = { accessToken: t.accessToken, refreshToken: t.refreshToken };
    } else {
      const t = await this.token({ grant_type: 'authorization_code', code: query.get('code') ?? '', redirect_uri: this.redirectUri, code_verifier: verifier });
      tokens = { accessToken: t.access_token, refreshToken: t.refresh_token ?? null };
    }
    const principal = await this.deps.verifyToken(tokens.accessToken).catch(() => {
      throw new ConsoleSignInError('The identity provider’s token could not be verified. Sign in again.');
    });
    return { principal, tokens };
  }

  /**
   * New tokens from the refresh token (rotated), or null when the provider refused it (the sign-in
   * has ended). A provider out of reach throws ConsoleSignInError instead: the lead is told to try
   * again and stays signed in, as a desk does through an outage.
   */
  async refresh(refreshToken: string): Promise<ConsoleTokens | null> {
    if (this.external) {
      try {
        const t = await this.external.refresh(refreshToken);
        return { accessToken: t.accessToken, refreshToken: t.refreshToken ?? refreshToken };
      } catch (e) {
        if (e instanceof IdpRefused) return null;
        throw new ConsoleSignInError(UNREACHABLE);
      }
    }
    try {
      const t = await this.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
      return { accessToken: t.access_token, refreshToken: t.refresh_token ?? refreshToken };
    } catch {
      return null;
    }
  }

  /** Ends the sign-in at the provider too (RFC 7009 revocation of the refresh token; a provider without it is left alone). */
  async revoke(tokens: ConsoleTokens): Promise<void> {
    if (!tokens.refreshToken) return;
    if (this.external) {
      await this.external.revoke(tokens.refreshToken).catch(() => {});
      return;
    }
    await this.app
      .inject({ method: 'POST', url: '/oidc/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ client_id: this.clientId, token: tokens.refreshToken }).toString() })
      .catch(() => {});
  }
}

/** Seconds until a JWT's exp (read without verifying it: only to refresh before it runs out; the API verifies each use). */
export function secondsLeft(jwt: string): number {
  try {
    const { exp } = decodeJwt(jwt);
    return typeof exp === 'number' ? exp - Date.now() / 1000 : 0;
  } catch {
    return 0;
  }
}
