import { createHash } from 'node:crypto';
import type { App, ServerDeps } from '../app';
import { CONSOLE_CALLBACK_PATH } from '../auth/dev-idp/clients';
import { builtInIssuer } from '../auth/issuer';
import type { Principal } from '../auth/principal';
import type { ConsoleTokens } from './console-session';

/*
 * The console signs in like the desk does, with OIDC authorization code + PKCE (S256) at the same
 * identity provider, as its own public client (CONSOLE_OIDC_CLIENT_ID). With the built-in provider
 * the code is exchanged in-process; with an external one at the token endpoint its discovery
 * document names. The access token is then verified exactly as every API request's is.
 */

export class ConsoleSignInError extends Error {}

interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
}

const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export class ConsoleAuth {
  private discovery: Promise<{ authorization_endpoint: string; token_endpoint: string }> | null = null;
  readonly clientId: string;
  readonly redirectUri: string;
  private readonly external: string | null;

  constructor(
    private readonly app: App,
    private readonly deps: ServerDeps,
  ) {
    this.clientId = deps.config.CONSOLE_OIDC_CLIENT_ID;
    this.external = deps.config.OIDC_ISSUER ?? null;
    this.redirectUri = `${builtInIssuer(deps.config)}${CONSOLE_CALLBACK_PATH}`;
  }

  private endpoints() {
    if (!this.external) return Promise.resolve({ authorization_endpoint: '/oidc/authorize', token_endpoint: '' });
    this.discovery ??= fetch(`${this.external.replace(/\/+$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) })
      .then(async (r) => {
        if (!r.ok) throw new ConsoleSignInError(`The identity provider’s configuration could not be read (${r.status}).`);
        return (await r.json()) as { authorization_endpoint: string; token_endpoint: string };
      })
      .catch((e: unknown) => {
        this.discovery = null;
        throw e instanceof ConsoleSignInError ? e : new ConsoleSignInError('The identity provider cannot be reached. Try again in a minute; if it persists, call IT.');
      });
    return this.discovery;
  }

  /** Where to send the browser to sign in. */
  async authorizeUrl(state: string, verifier: string): Promise<string> {
    const { authorization_endpoint } = await this.endpoints();
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: this.clientId,
      redirect_uri: this.redirectUri,
      scope: 'openid profile offline_access',
      state,
      code_challenge: challengeOf(verifier),
      code_challenge_method: 'S256',
    });
    return `${authorization_endpoint}?${q}`;
  }

  private async token(form: Record<string, string>): Promise<TokenAnswer> {
    const body = new URLSearchParams({ client_id: this.clientId, ...form }).toString();
    let status: number;
    let answer: unknown;
    if (!this.external) {
      const r = await this.app.inject({ method: 'POST', url: '/oidc/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body });
      status = r.statusCode;
      answer = r.json();
    } else {
      const { token_endpoint } = await this.endpoints();
      const r = await fetch(token_endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, signal: AbortSignal.timeout(15_000) });
      status = r.status;
      answer = await r.json().catch(() => ({}));
    }
    const a = answer as Partial<TokenAnswer> & { error_description?: string };
    if (status !== 200 || typeof a.access_token !== 'string') {
      throw new ConsoleSignInError(a.error_description ? `Sign-in was refused: ${a.error_description}` : 'Sign-in was refused by the identity provider. Sign in again.');
    }
    return a as TokenAnswer;
  }

  /** The code the provider sent back, exchanged and verified: who signed in, and the tokens the console acts with. */
  async complete(code: string, verifier: string): Promise<{ principal: Principal; tokens: ConsoleTokens }> {
    const t = await this.token({ grant_type: 'authorization_code', code, redirect_uri: this.redirectUri, code_verifier: verifier });
    const principal = await this.deps.verifyToken(t.access_token).catch(() => {
      throw new ConsoleSignInError('The identity provider’s token could not be verified. Sign in again.');
    });
    return { principal, tokens: { accessToken: t.access_token, refreshToken: t.refresh_token ?? null } };
  }

  /** New tokens from the refresh token (rotated), or null when the sign-in has ended. */
  async refresh(refreshToken: string): Promise<ConsoleTokens | null> {
    try {
      const t = await this.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
      return { accessToken: t.access_token, refreshToken: t.refresh_token ?? refreshToken };
    } catch {
      return null;
    }
  }

  /** Ends the sign-in at the provider too (built-in: RFC 7009 revocation of the refresh token's family). */
  async revoke(tokens: ConsoleTokens): Promise<void> {
    if (this.external || !tokens.refreshToken) return;
    await this.app
      .inject({ method: 'POST', url: '/oidc/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ client_id: this.clientId, token: tokens.refreshToken }).toString() })
      .catch(() => {});
  }
}

/** Seconds until a JWT's exp (without verifying it: only to refresh before it runs out). */
export function secondsLeft(jwt: string): number {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: number };
    return typeof payload.exp === 'number' ? payload.exp - Date.now() / 1000 : 0;
  } catch {
    return 0;
  }
}
