import * as oidc from 'openid-client';
import { DESK_CLIENT_ID, IdpRefused, SIGN_IN_SCOPE, type OidcOps, type TokenSet } from './sign-in';

/*
 * The OIDC operations over openid-client, against the server's provider (its development provider
 * in the demo; NHS CIS2 or the trust's own in production). Discovery is retried on each use until it
 * works, so a desk started offline signs in once the network returns.
 */

function userNameOf(tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): string | null {
  const claims = tokens.claims();
  if (typeof claims?.name === 'string') return claims.name;
  return typeof claims?.sub === 'string' ? claims.sub : null;
}

function tokenSet(tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, withName: boolean): TokenSet {
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

export function openidClientOps(issuer: string): OidcOps {
  let config: Promise<oidc.Configuration> | null = null;
  const configuration = () => {
    config ??= oidc
      .discovery(new URL(issuer), DESK_CLIENT_ID, undefined, oidc.None(), {
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
        .buildAuthorizationUrl(c, { redirect_uri: redirectUri, scope: SIGN_IN_SCOPE, code_challenge: codeChallenge, code_challenge_method: 'S256', state, nonce })
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
