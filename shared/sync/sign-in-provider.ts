import { z } from 'zod';

/*
 * Where a desk signs in, as its server says (GET SIGN_IN_PROVIDER_PATH, no token: asked before
 * anyone has one). The server knows its identity provider (its built-in one, or NHS CIS2 or the
 * trust's own through OIDC_ISSUER) and the desk's client id there; a desk is configured only with
 * the server's address, so the provider can change without touching a desk.
 */

export const SIGN_IN_PROVIDER_PATH = '/v1/sign-in/provider';

/** The desk's public client at the built-in provider, and the default at an external one (no secret: it runs on people's machines). */
export const DESK_CLIENT_ID = 'crisis-desk';

export const SignInProvider = z.object({
  /** The OIDC issuer: discovery is at `${issuer}/.well-known/openid-configuration`. */
  issuer: z.string().url().max(2000),
  clientId: z.string().min(1).max(200),
  /**
   * Ask for consent (prompt=consent) at each sign-in: some providers issue a refresh token for
   * offline_access only then (OIDC Core §11), and without one a desk's session would end with its
   * first access token.
   */
  askConsent: z.boolean(),
});
export type SignInProvider = z.infer<typeof SignInProvider>;
