import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { freePort } from './free-port';

/*
 * An external identity provider as a trust runs one (NHS CIS2, the trust's own): oidc-provider, a
 * certified OpenID provider, on 127.0.0.1. It knows the console (a web client with the server's
 * callback) and the desk (a native client: any loopback port, RFC 8252 §7.3), issues JWT access
 * tokens for the API's audience with each account's trust, team, roles and name in them, and a
 * refresh token for offline_access only when consent is asked (OIDC Core §11), as strict providers
 * do. Its login and consent pages are oidc-provider's own: fillProviderPages() fills them in.
 */

export const EXTERNAL_AUDIENCE = 'https://api.crisis-desk.test';

export interface ExternalAccount {
  name: string;
  trust_id: string;
  team_id?: string;
  roles: string[];
}

export interface ExternalProvider {
  issuer: string;
  /** Every request's method and path, in order. */
  hits: string[];
  /** Stops answering (an outage); start() answers again on the same address with the same state. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startExternalProvider(options: { accounts: Record<string, ExternalAccount>; consoleCallback?: string; accessTokenSeconds?: number }): Promise<ExternalProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const ttl = options.accessTokenSeconds ?? 300;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    clients: [
      ...(options.consoleCallback
        ? [{ client_id: 'crisis-desk-console', token_endpoint_auth_method: 'none' as const, redirect_uris: [options.consoleCallback], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code' as const] }]
        : []),
      { client_id: 'crisis-desk', application_type: 'native' as const, token_endpoint_auth_method: 'none' as const, redirect_uris: ['http://127.0.0.1/auth/callback'], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code' as const] },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-key' }] },
    cookies: { keys: ['crisis-desk-external-provider-test'] },
    scopes: ['openid', 'profile', 'offline_access'],
    claims: { openid: ['sub'], profile: ['name'] },
    ttl: { AccessToken: ttl, Interaction: 600, Session: 3600, Grant: 3600, IdToken: 600 },
    findAccount: async (_ctx, sub) => {
      const a = options.accounts[sub];
      return a ? { accountId: sub, claims: async () => ({ sub, name: a.name }) } : undefined;
    },
    extraTokenClaims: async (_ctx, token) => {
      const a = options.accounts[(token as { accountId?: string }).accountId ?? ''];
      return a ? { name: a.name, trust_id: a.trust_id, ...(a.team_id ? { team_id: a.team_id } : {}), roles: a.roles } : undefined;
    },
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => EXTERNAL_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'directory', audience: EXTERNAL_AUDIENCE, accessTokenFormat: 'jwt', accessTokenTTL: ttl }),
      },
    },
  });
  const hits: string[] = [];
  const callback = provider.callback();
  let server: Server | null = null;
  const start = () =>
    new Promise<void>((resolve) => {
      server = createServer((req, res) => {
        hits.push(`${req.method} ${new URL(req.url ?? '/', issuer).pathname}`);
        void callback(req, res);
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  await start();
  return {
    issuer,
    hits,
    start,
    stop: () =>
      new Promise<void>((resolve) => {
        server!.closeAllConnections();
        server!.close(() => resolve());
      }),
  };
}

/** A page of the provider's login or consent form, as a person fills it in: the next request to make, or null on any other page. */
export function providerFormOf(html: string, pageUrl: string, login: string): { url: string; form: Record<string, string> } | null {
  const prompt = /name="prompt" value="(login|consent)"/.exec(html)?.[1];
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!prompt || !action) return null;
  return { url: new URL(action, pageUrl).toString(), form: prompt === 'login' ? { prompt, login, password: 'any' } : { prompt } };
}
