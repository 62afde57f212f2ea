import type { RouteModule } from '../app';
import { SIGN_IN_PROVIDER_PATH, SignInProvider } from '../../../shared/sync/sign-in-provider';
import { builtInIssuer } from './issuer';

/**
 * GET /v1/sign-in/provider: where desks sign in (no token: they ask before they have one). The
 * built-in provider at this server's public address, or the external one the server trusts
 * (OIDC_ISSUER), with the desks' client id there.
 */
export const signInProviderRoute: RouteModule = (app, deps) => {
  const { config } = deps;
  const provider: SignInProvider = config.OIDC_ISSUER
    ? { issuer: config.OIDC_ISSUER.replace(/\/+$/, ''), clientId: config.DESK_OIDC_CLIENT_ID, askConsent: config.OIDC_ASK_CONSENT === '1' }
    : { issuer: builtInIssuer(config), clientId: config.DESK_OIDC_CLIENT_ID, askConsent: false };
  app.get(
    SIGN_IN_PROVIDER_PATH,
    {
      schema: {
        tags: ['sign-in'],
        summary: 'Where desks sign in: the OIDC issuer, their client id there, and whether to ask for consent',
        description: 'No sign-in needed: asked before there is a token.',
        response: { 200: SignInProvider },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-cache');
      return provider;
    },
  );
};
