import { createHash, randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';

/*
 * The desk's OIDC client (authorization code + PKCE S256, refresh, revocation) over openid-client,
 * against the server's provider (its development provider in the demo; NHS CIS2 or the trust's own
 * in production). One copy for the desktop app's main process and the browser host. Discovery is
 * retried on each use until it works, so a desk started offline signs in once the network returns.
 */

/** The desk's public client at the identity provider (no secret: it runs on people's machines). */
export const DESK_CLIENT_ID = 'crisis-desk';
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
  authorizationUrl(p: { redirectUri: string; codeChallenge: string; state: string; nonce: string }): Promise<string>;
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

export function openidClientOps(issuer: string, clientId = DESK_CLIENT_ID): OidcOps {
  let config: Promise<oidc.Configuration> | null = null;
  const configuration = () => {
    config ??= oidc
      .discovery(new URL(issuer), clientId, undefined, oidc.None(), {
        // The demo server runs on plain HTTP on this machine; the policy only accepts https servers.
        execute: new URL(issuer).protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
      })
      .catch((e: unknown) => {
        config = null;
        throw e;
      });
    return config;
  };
  return {
    async authorizationUrl({ redirectUri, codeChallenge, state, nonce }) {
      const c = await configuration();
      return oidc
        .buildAuthorizationUrl(c, {
          redirect_uri: redirectUri,
          scope: SIGN_IN_SCOPE,
          code_challenge: codeChallenge,
          code_challenge_method: 'S256',
          // Always ask: a desk is shared, so a sign-in must never silently reuse the last person's
          // session at the provider (the system browser keeps it between clinicians).
          prompt: 'login',
          state,
          nonce,
        })
        .toString();
    },
    async exchange(callbackUrl, { codeVerifier, state, nonce }) {
      try {
        const tokens = await oidc.authorizationCodeGrant(await configuration(), callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce });
        return tokenSet(tokens, true);
      } catch (e) {
        throw refusal(e);
      }
    },
    async refresh(refreshToken) {
      try {
        return tokenSet(await oidc.refreshTokenGrant(await configuration(), refreshToken), false);
      } catch (e) {
        throw refusal(e);
      }
    },
    async revoke(refreshToken) {
      await oidc.tokenRevocation(await configuration(), refreshToken);
    },
  };
}
