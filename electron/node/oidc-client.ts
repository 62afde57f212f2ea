import { createHash, randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { DESK_CLIENT_ID, SIGN_IN_PROVIDER_PATH, SignInProvider } from '../../shared/sync/sign-in-provider';

/*
 * The desk's OIDC client (authorization code + PKCE S256, refresh, revocation) over openid-client,
 * against the provider the server names (its development provider in the demo; NHS CIS2 or the
 * trust's own in production). One copy for the desktop app's main process, the browser host and
 * the server's admin console. Where to sign in and discovery are retried on each use until they
 * work, so a desk started offline signs in once the network returns.
 */

export const SIGN_IN_SCOPE = 'openid profile offline_access';

export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  expiresInSeconds: number;
  /** From the ID token (name, else sub) on a code exchange; null on a refresh. */
  userName: string | null;
  /** The ID token's `sub` on a code exchange (who signed in); null on a refresh. */
  subject?: string | null;
}

/** The identity provider refused (invalid_grant, access_denied, a check failed): a person must sign in again. */
export class IdpRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdpRefused';
  }
}

/** The protocol operations, over openid-client in the app (openidClientOps) and a fake in tests. */
export interface OidcOps {
  /** `forceLogin` (the desk's default): the provider must ask who is signing in, never reuse a session it holds. */
  authorizationUrl(p: { redirectUri: string; codeChallenge: string; state: string; nonce: string; forceLogin?: boolean }): Promise<string>;
  /** Exchanges the code in callbackUrl, checking state, PKCE and nonce. Throws IdpRefused on a refusal. */
  exchange(callbackUrl: URL, p: { redirectUri: string; codeVerifier: string; state: string; nonce: string }): Promise<TokenSet>;
  /** Throws IdpRefused when the refresh token is refused; anything else means unreachable. */
  refresh(refreshToken: string): Promise<TokenSet>;
  revoke(refreshToken: string): Promise<void>;
}

/** What one sign-in attempt is bound by: the PKCE verifier (and its S256 challenge), state and nonce. */
export interface AuthorizationRequest {
  codeVerifier: string;
  codeChallenge: string;
  state: string;
  nonce: string;
}

export function newAuthorizationRequest(): AuthorizationRequest {
  const codeVerifier = randomBytes(32).toString('base64url');
  return {
    codeVerifier,
    codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    state: randomBytes(16).toString('base64url'),
    nonce: randomBytes(16).toString('base64url'),
  };
}

type Tokens = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

function userNameOf(tokens: Tokens): string | null {
  const claims = tokens.claims();
  if (typeof claims?.name === 'string') return claims.name;
  return typeof claims?.sub === 'string' ? claims.sub : null;
}

function tokenSet(tokens: Tokens, withName: boolean): TokenSet {
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? null,
    expiresInSeconds: tokens.expires_in ?? 300,
    userName: withName ? userNameOf(tokens) : null,
    subject: withName && typeof tokens.claims()?.sub === 'string' ? tokens.claims()!.sub : null,
  };
}

/** An OAuth error answered by the provider (or a bad callback) means a person must act; anything else is "unreachable". */
function refusal(e: unknown): Error {
  if (e instanceof oidc.ResponseBodyError || e instanceof oidc.AuthorizationResponseError) {
    return new IdpRefused(`The sign-in service refused: ${e.error_description ?? e.error}.`);
  }
  if (e instanceof oidc.ClientError) return new IdpRefused(`The sign-in answer could not be trusted (${e.code ?? 'check failed'}). Start again.`);
  return e instanceof Error ? e : new Error(String(e));
}

/** The server's answer, or why it could not be had (a desk keeps trying: this is "unreachable", not a refusal). */
export class SignInProviderUnknown extends Error {}

/**
 * Where the desk signs in, asked of its server. A server from before GET /v1/sign-in/provider
 * (404) runs the built-in provider at its own address. An issuer over plain HTTP is taken only on
 * this machine's loopback or at the server's own origin (the demo), never elsewhere: a sign-in page
 * must not be sent unencrypted across a network.
 */
export async function signInProviderOf(serverUrl: string, fetchImpl: typeof fetch = fetch): Promise<SignInProvider> {
  const base = serverUrl.replace(/\/+$/, '');
  let r: Response;
  try {
    r = await fetchImpl(`${base}${SIGN_IN_PROVIDER_PATH}`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  } catch {
    throw new SignInProviderUnknown('The server cannot be reached to find where to sign in.');
  }
  if (r.status === 404) return { issuer: base, clientId: DESK_CLIENT_ID, askConsent: false };
  const parsed = r.ok ? SignInProvider.safeParse(await r.json().catch(() => null)) : null;
  if (!parsed?.success) throw new SignInProviderUnknown(`The server did not say where to sign in (${r.status}).`);
  const issuer = new URL(parsed.data.issuer);
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(issuer.hostname);
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && (loopback || issuer.origin === new URL(base).origin))) {
    throw new IdpRefused(`The server names a sign-in service that is not on HTTPS (${issuer.origin}). Tell IT: OIDC_ISSUER must be an https address.`);
  }
  return parsed.data;
}

/** The OIDC operations at a provider: given, or found when first needed (the desk's: `() => signInProviderOf(serverUrl)`). */
export function openidClientOps(source: SignInProvider | (() => Promise<SignInProvider>)): OidcOps {
  let config: Promise<{ c: oidc.Configuration; provider: SignInProvider }> | null = null;
  const configuration = () => {
    config ??= (async () => {
      const provider = typeof source === 'function' ? await source() : source;
      const c = await oidc.discovery(new URL(provider.issuer), provider.clientId, undefined, oidc.None(), {
        // The demo server runs on plain HTTP on this machine; the policy only accepts https servers.
        execute: new URL(provider.issuer).protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
      });
      return { c, provider };
    })().catch((e: unknown) => {
      config = null;
      throw e;
    });
    return config;
  };
  return {
    async authorizationUrl({ redirectUri, codeChallenge, state, nonce, forceLogin = true }) {
      const { c, provider } = await configuration();
      const prompt = [...(forceLogin ? ['login'] : []), ...(provider.askConsent ? ['consent'] : [])].join(' ');
      return oidc
        .buildAuthorizationUrl(c, {
          redirect_uri: redirectUri,
          scope: SIGN_IN_SCOPE,
          code_challenge: codeChallenge,
          code_challenge_method: 'S256',
          // A desk always asks who is signing in: it is shared, so a sign-in must never silently
          // reuse the last person's session at the provider (the system browser keeps it).
          ...(prompt ? { prompt } : {}),
          state,
          nonce,
        })
        .toString();
    },
    async exchange(callbackUrl, { codeVerifier, state, nonce }) {
      try {
        const tokens = await oidc.authorizationCodeGrant((await configuration()).c, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce });
        return tokenSet(tokens, true);
      } catch (e) {
        throw refusal(e);
      }
    },
    async refresh(refreshToken) {
      try {
        return tokenSet(await oidc.refreshTokenGrant((await configuration()).c, refreshToken), false);
      } catch (e) {
        throw refusal(e);
      }
    },
    async revoke(refreshToken) {
      await oidc.tokenRevocation((await configuration()).c, refreshToken);
    },
  };
}
