import { z } from 'zod';
import { isAllowedRedirect, type DevClient } from './clients';
import { isValidChallenge } from './pkce';

/** A form or query value: bounded, and without NUL, which PostgreSQL text cannot hold. */
export const formText = (max = 4096) => z.string().max(max).regex(/^[^\0]*$/, 'must not contain NUL characters');

/** The parameters of an authorization request, as sent (all optional here; checked below). */
export const AuthorizationParams = z.object({
  response_type: formText().optional(),
  client_id: formText().optional(),
  redirect_uri: formText().optional(),
  scope: formText().optional(),
  state: formText().optional(),
  code_challenge: formText().optional(),
  code_challenge_method: formText().optional(),
  nonce: formText().optional(),
});
export type AuthorizationParams = z.infer<typeof AuthorizationParams>;

/** A checked authorization request: the client, where to send it back, and what the code is bound to. */
export interface AuthorizationRequest {
  client: DevClient;
  redirectUri: string;
  scope: string;
  state: string | null;
  codeChallenge: string;
  nonce: string | null;
}

export const SUPPORTED_SCOPES = ['openid', 'profile', 'offline_access'];

const MAX_OPAQUE = 1024;

export type CheckedAuthorization =
  | { kind: 'ok'; request: AuthorizationRequest }
  /** The client or its redirect URI cannot be trusted: say so to the person, never redirect (RFC 6749 §4.1.2.1). */
  | { kind: 'page'; message: string }
  /** Any other problem goes back to the client at its redirect URI. */
  | { kind: 'redirect'; location: string };

export function checkAuthorizationRequest(params: AuthorizationParams, clients: DevClient[], issuer: string): CheckedAuthorization {
  const client = clients.find((c) => c.clientId === params.client_id);
  if (!client) return { kind: 'page', message: 'This sign-in link does not name an application this server knows (client_id). Start signing in again from Crisis Desk.' };
  const redirectUri = params.redirect_uri;
  if (!redirectUri || !isAllowedRedirect(client, redirectUri, issuer)) {
    return { kind: 'page', message: 'This sign-in link would send you somewhere the application has not registered (redirect_uri). Start signing in again from Crisis Desk.' };
  }
  const state = params.state ?? null;
  const fail = (error: string, description: string) => ({ kind: 'redirect' as const, location: errorRedirect(redirectUri, issuer, state, error, description) });

  if (params.response_type !== 'code') return fail('unsupported_response_type', 'Only the authorization code flow (response_type=code) is supported.');
  if (!params.code_challenge) return fail('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256.');
  // Without a method, RFC 7636 means `plain`, which is refused like an explicit `plain`.
  if (params.code_challenge_method !== 'S256') return fail('invalid_request', 'Only the S256 code challenge method is supported.');
  if (!isValidChallenge(params.code_challenge)) return fail('invalid_request', 'code_challenge is not a base64url SHA-256 digest.');
  if ((state?.length ?? 0) > MAX_OPAQUE || (params.nonce?.length ?? 0) > MAX_OPAQUE) return fail('invalid_request', `state and nonce must be at most ${MAX_OPAQUE} characters.`);

  const asked = (params.scope ?? 'openid').split(' ').filter(Boolean);
  // Unknown scopes are dropped rather than refused (RFC 6749 §3.3); the token answer says what was granted.
  const scope = SUPPORTED_SCOPES.filter((s) => asked.includes(s)).join(' ') || 'openid';
  return { kind: 'ok', request: { client, redirectUri, scope, state, codeChallenge: params.code_challenge, nonce: params.nonce ?? null } };
}

/** The client's redirect URI with the response parameters added, and the issuer (RFC 9207). */
export function redirectWith(redirectUri: string, issuer: string, values: Record<string, string | null>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(values)) if (v !== null) url.searchParams.set(k, v);
  url.searchParams.set('iss', issuer);
  return url.toString();
}

function errorRedirect(redirectUri: string, issuer: string, state: string | null, error: string, description: string): string {
  return redirectWith(redirectUri, issuer, { error, error_description: description, state });
}
