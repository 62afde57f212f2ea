import formbody from '@fastify/formbody';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authenticate, type RouteModule } from '../../app';
import { DEMO_PASSWORD } from '../../demo/seed-users';
import { builtInIssuer } from '../issuer';
import { verifyPassword } from '../passwords';
import { keyEncryptionKeys } from '../key-encryption';
import { loadSigningKeys } from '../signing-keys';
import { AuthorizationParams, checkAuthorizationRequest, formText, redirectWith, SUPPORTED_SCOPES, type AuthorizationRequest } from './authorization-request';
import { DEFAULT_CLIENTS, type DevClient } from './clients';
import { issueCode } from './codes';
import { authorizationCodeGrant, refreshTokenGrant } from './grants';
import type { IssuerContext } from './issue-tokens';
import { OAuthError, oauthErrorBody, oauthErrorHandler } from './oauth-errors';
import { revokeToken } from './revoke';
import { createSignInLimits, signInPolicy, type SignInVerdict } from './sign-in-limits';
import { PAGE_HEADERS, renderProblemPage, renderSignInPage, type ListedUser } from './sign-in-page';

const FORM = ['application/x-www-form-urlencoded', 'application/json'];
const text = formText();

const SignInForm = AuthorizationParams.extend({ username: formText(200).optional(), password: formText(1024).optional() });

const TokenForm = z.object({
  grant_type: text.optional(),
  client_id: text.optional(),
  code: text.optional(),
  redirect_uri: text.optional(),
  code_verifier: text.optional(),
  refresh_token: text.optional(),
});

const RevokeForm = z.object({ token: text.optional(), token_type_hint: text.optional(), client_id: text.optional() });

const TokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int(),
  refresh_token: z.string(),
  scope: z.string(),
  id_token: z.string().optional(),
});

const Discovery = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string(),
  token_endpoint: z.string(),
  revocation_endpoint: z.string(),
  userinfo_endpoint: z.string(),
  jwks_uri: z.string(),
  response_types_supported: z.array(z.string()),
  grant_types_supported: z.array(z.string()),
  code_challenge_methods_supported: z.array(z.string()),
  token_endpoint_auth_methods_supported: z.array(z.string()),
  revocation_endpoint_auth_methods_supported: z.array(z.string()),
  scopes_supported: z.array(z.string()),
  subject_types_supported: z.array(z.string()),
  id_token_signing_alg_values_supported: z.array(z.string()),
  claims_supported: z.array(z.string()),
  authorization_response_iss_parameter_supported: z.boolean(),
});

const UserInfo = z.object({ sub: z.string(), name: z.string(), trust_id: z.string(), team_id: z.string().nullable(), roles: z.array(z.string()) });

const tags = ['identity (development provider)'];

/**
 * The built-in development identity provider: OpenID Connect authorization code + PKCE for public
 * clients (the desk signs in through the system browser with a loopback redirect, RFC 8252),
 * rotating refresh tokens with reuse detection, and revocation. Registers nothing when an external
 * issuer (OIDC_ISSUER) is configured.
 */
export function createDevIdentityProvider(options: { clients?: DevClient[] } = {}): RouteModule {
  const clients = options.clients ?? DEFAULT_CLIENTS;
  return async (root, deps) => {
    if (deps.config.OIDC_ISSUER) return;
    const issuer = builtInIssuer(deps.config);
    const ctx: IssuerContext = { keys: await loadSigningKeys(deps.db, keyEncryptionKeys(deps.config)), issuer, config: deps.config };
    const demo = deps.config.DEMO === '1';
    const clientOf = (clientId: string | undefined) => {
      const client = clients.find((c) => c.clientId === clientId);
      if (!client) throw new OAuthError(401, 'invalid_client', 'client_id does not name a client of this server.');
      return client;
    };

    const listedUsers = async (): Promise<ListedUser[] | null> => {
      if (!demo) return null;
      const rows = await deps.db.query<{ username: string; display_name: string; trust_name: string; roles: string[] }>(
        `SELECT u.id AS username, u.display_name, t.name AS trust_name, u.roles FROM app_user u JOIN trust t ON t.id = u.trust_id
         WHERE u.password_hash IS NOT NULL AND NOT u.disabled ORDER BY t.name, u.id LIMIT 50`,
      );
      return rows.map((r) => ({ username: r.username, displayName: r.display_name, trustName: r.trust_name, roles: r.roles }));
    };

    const limits = createSignInLimits(deps.db, signInPolicy(deps.config));

    const signInPage = async (reply: FastifyReply, request: AuthorizationRequest, params: AuthorizationParams, status: 200 | 401 | 429, extra: { username?: string; error?: string } = {}) =>
      reply
        .code(status)
        .headers(PAGE_HEADERS)
        .send(renderSignInPage({ clientName: request.client.name, params, users: await listedUsers(), demoPassword: demo ? DEMO_PASSWORD : null, ...extra }));

    await root.register(async (plugin) => {
      const app = plugin.withTypeProvider<ZodTypeProvider>();
      // Form posts are parsed only by the identity provider's routes.
      await app.register(formbody);
      app.setErrorHandler(oauthErrorHandler);

      app.get('/.well-known/openid-configuration', { schema: { tags, summary: 'OpenID Provider metadata', response: { 200: Discovery } } }, async () => ({
        issuer,
        authorization_endpoint: `${issuer}/oidc/authorize`,
        token_endpoint: `${issuer}/oidc/token`,
        revocation_endpoint: `${issuer}/oidc/revoke`,
        userinfo_endpoint: `${issuer}/oidc/userinfo`,
        jwks_uri: `${issuer}/oidc/jwks`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none'],
        revocation_endpoint_auth_methods_supported: ['none'],
        scopes_supported: SUPPORTED_SCOPES,
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        claims_supported: ['sub', 'name', 'trust_id', 'team_id', 'roles'],
        authorization_response_iss_parameter_supported: true,
      }));

      app.get(
        '/oidc/jwks',
        { schema: { tags, summary: 'Public keys that verify this provider’s tokens', response: { 200: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) } } },
        async (_request, reply) => {
          reply.header('cache-control', 'public, max-age=300');
          return { keys: ctx.keys.publicJwks as Record<string, unknown>[] };
        },
      );

      app.get('/oidc/authorize', { schema: { tags, summary: 'Sign-in page (authorization code + PKCE S256)', querystring: AuthorizationParams } }, async (request, reply) => {
        const checked = checkAuthorizationRequest(request.query, clients, issuer);
        if (checked.kind === 'page') return problem(request, reply, checked.message);
        if (checked.kind === 'redirect') return reply.redirect(checked.location, 302);
        return signInPage(reply, checked.request, request.query, 200);
      });

      app.post('/oidc/authorize', { schema: { tags, summary: 'Sign in and be redirected with a code', consumes: FORM, body: SignInForm } }, async (request, reply) => {
        const { username, password, ...params } = request.body;
        const checked = checkAuthorizationRequest(params, clients, issuer);
        if (checked.kind === 'page') return problem(request, reply, checked.message);
        if (checked.kind === 'redirect') return reply.redirect(checked.location, 303);
        const refuse = (verdict: Extract<SignInVerdict, { ok: false }>, failedNow: boolean) => {
          const message = lockoutMessage(verdict, failedNow);
          reply.code(429).header('retry-after', String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))));
          if (!wantsHtml(request)) return reply.header('cache-control', 'no-store').send(oauthErrorBody('too_many_attempts', message));
          return signInPage(reply, checked.request, params, 429, { username: username ?? '', error: message });
        };
        // Throttled before the password is looked at: while locked, even the right one is refused.
        const admitted = await limits.admit(username ?? '', request.ip);
        if (!admitted.ok) return refuse(admitted, false);
        const [user] = username
          ? await deps.db.query<{ id: string; password_hash: string | null; disabled: boolean }>('SELECT id, password_hash, disabled FROM app_user WHERE id = $1', [username])
          : [];
        // The password is checked even for an unknown user, so timing does not tell which usernames exist.
        const passwordOk = await verifyPassword(password ?? '', user?.password_hash ?? null);
        if (!user || !passwordOk || user.disabled) {
          const counted = await limits.failed(username ?? '', request.ip);
          if (!counted.ok) return refuse(counted, true);
          const message = 'The username or password is not right. Check them and try again.';
          if (!wantsHtml(request)) return reply.code(401).header('cache-control', 'no-store').send(oauthErrorBody('access_denied', message));
          return signInPage(reply, checked.request, params, 401, { username: username ?? '', error: message });
        }
        await limits.succeeded(username!);
        const code = await issueCode(deps.db, user.id, checked.request);
        return reply.header('cache-control', 'no-store').redirect(redirectWith(checked.request.redirectUri, issuer, { code, state: checked.request.state }), 303);
      });

      app.post('/oidc/token', { schema: { tags, summary: 'Exchange a code or a refresh token for tokens', consumes: FORM, body: TokenForm, response: { 200: TokenResponse } } }, async (request, reply) => {
        reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
        const body = request.body;
        const client = clientOf(body.client_id);
        if (body.grant_type === 'authorization_code') {
          if (!body.code) throw new OAuthError(400, 'invalid_request', 'code is required.');
          return authorizationCodeGrant(deps.db, ctx, { code: body.code, redirectUri: body.redirect_uri, clientId: client.clientId, codeVerifier: body.code_verifier });
        }
        if (body.grant_type === 'refresh_token') {
          if (!body.refresh_token) throw new OAuthError(400, 'invalid_request', 'refresh_token is required.');
          return refreshTokenGrant(deps.db, ctx, { refreshToken: body.refresh_token, clientId: client.clientId });
        }
        if (!body.grant_type) throw new OAuthError(400, 'invalid_request', 'grant_type is required.');
        throw new OAuthError(400, 'unsupported_grant_type', 'Only authorization_code and refresh_token grants are supported.');
      });

      app.post('/oidc/revoke', { schema: { tags, summary: 'Revoke a refresh token or an access token (RFC 7009)', consumes: FORM, body: RevokeForm, response: { 200: z.object({}) } } }, async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const client = clientOf(request.body.client_id);
        if (!request.body.token) throw new OAuthError(400, 'invalid_request', 'token is required.');
        await revokeToken(deps.db, ctx, { token: request.body.token, clientId: client.clientId });
        return {};
      });

      app.get(
        '/oidc/userinfo',
        { onRequest: authenticate(deps), schema: { tags, summary: 'Who the access token is for', security: [{ bearer: [] }], response: { 200: UserInfo } } },
        async (request) => {
          const p = request.principal!;
          return { sub: p.userId, name: p.displayName, trust_id: p.trustId, team_id: p.teamId, roles: p.roles };
        },
      );
    });
  };
}

export const devIdentityProvider: RouteModule = createDevIdentityProvider();

/** What a refused sign-in is told: why, and from when to try again (UK time). */
function lockoutMessage(verdict: Extract<SignInVerdict, { ok: false }>, failedNow: boolean): string {
  const at = new Date(Date.now() + verdict.retryAfterMs).toLocaleTimeString('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit' });
  const wrong = failedNow ? 'The username or password is not right. ' : '';
  if (verdict.reason === 'rate') return `Too many sign-in attempts from this network just now. Wait a minute (until ${at}) and try again.`;
  if (verdict.reason === 'user') return `${wrong}After too many wrong passwords this username is locked until ${at}, even with the right password. Try again then, or ask your administrator to check the account.`;
  return `${wrong}Too many wrong passwords have come from this network: signing in from it is paused until ${at}. Try again then.`;
}

/** Browsers get a page; other clients a JSON error. */
function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

function problem(request: FastifyRequest, reply: FastifyReply, message: string) {
  if (wantsHtml(request)) return reply.code(400).headers(PAGE_HEADERS).send(renderProblemPage(message));
  return reply.code(400).header('cache-control', 'no-store').send(oauthErrorBody('invalid_request', message));
}
