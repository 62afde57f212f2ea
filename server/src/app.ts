import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Principal, Role } from './auth/principal';
import { TokenError } from './auth/tokens';
import type { ServerConfig } from './config';
import type { Db } from './db/db';
import { answerClientError } from './runtime/client-error';

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** What desks are told to fetch, pushed over the hint stream (server-sent events). */
export type Hint =
  | { kind: 'directory'; version: number }
  /** fromDesk: the desk (its clientId) whose push made the change; it already holds it and is not told. */
  | { kind: 'records'; teamId: string; clinicianId: string; fromDesk?: string };

/** Tells connected desks that something changed for them; one implementation per deployment. */
export interface HintBus {
  notify(trustId: string, hint: Hint): Promise<void>;
  subscribe(trustId: string, listener: (hint: Hint) => void): () => void;
  close(): Promise<void>;
}

export interface ServerDeps {
  db: Db;
  config: ServerConfig;
  verifyToken: (token: string) => Promise<Principal>;
  hints: HintBus;
  /** The pseudonymous user id request logs carry (runtime/log-pseudonyms.ts); without it they name nobody. */
  pseudonymise?: (userId: string) => string;
}

/** Route modules: each registers its routes on the app and gets the shared dependencies. */
export type RouteModule = (app: App, deps: ServerDeps) => Promise<void> | void;

/** An HTTP error with a stable code and a message a person can act on. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string) {
  return { error: code, message };
}

/** preHandler: the caller must present a valid bearer token (and one of the roles, when given). */
export function authenticate(deps: ServerDeps, ...roles: Role[]) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
    try {
      if (!token) throw new TokenError('missing', 'Sign in first: this needs an access token.');
      request.principal = await deps.verifyToken(token);
    } catch (e) {
      if (!(e instanceof TokenError)) throw e;
      const status = e.reason === 'forbidden' ? 403 : 401;
      // The header's words are RFC 6750's (invalid_request, invalid_token); the body's code is ours.
      return reply
        .code(status)
        .header('www-authenticate', `Bearer error="${e.reason === 'missing' ? 'invalid_request' : 'invalid_token'}"`)
        .send(errorBody(e.reason === 'expired' ? 'token_expired' : e.reason === 'revoked' ? 'token_revoked' : e.reason === 'forbidden' ? 'forbidden' : 'unauthorized', e.message));
    }
    if (roles.length > 0 && !roles.some((r) => request.principal!.roles.includes(r))) {
      return reply.code(403).send(errorBody('forbidden', `This needs the ${roles.join(' or ')} role.`));
    }
  };
}

/** TRUST_PROXY as Fastify takes it (a hop count becomes the function proxy-addr would make of it). */
function trustProxyOption(trust: ServerConfig['TRUST_PROXY']) {
  if (trust === undefined) return {};
  if (typeof trust === 'number') return { trustProxy: (_address: string, hop: number) => hop < trust };
  return { trustProxy: trust };
}

/**
 * PostgreSQL out of reach or too busy to answer in time: no connection free within
 * DATABASE_CONNECT_TIMEOUT_MS, a statement over DATABASE_STATEMENT_TIMEOUT_MS (57014), a connection
 * lost (class 08, a failover's admin shutdown 57P01–57P03, a standby not yet promoted 25006), too
 * many connections (53300). A moment's condition, not a fault of the request.
 */
export function databaseUnavailable(err: { code?: unknown; message?: unknown }): boolean {
  const code = typeof err.code === 'string' ? err.code : '';
  if (/^08/.test(code) || ['57014', '57P01', '57P02', '57P03', '53300', '25006', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code)) return true;
  const message = typeof err.message === 'string' ? err.message : '';
  return /timeout exceeded when trying to connect|Connection terminated/i.test(message);
}

export async function buildServer(deps: ServerDeps, modules: RouteModule[]): Promise<App> {
  const app = Fastify({
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    logger: {
      level: deps.config.LOG_LEVEL,
      // Request logs carry method, route, status, timing and a pseudonymous user id only: bodies and
      // headers may hold patient data or tokens, and names identify people.
      serializers: {
        req: (req: FastifyRequest) => ({ method: req.method, url: req.routeOptions?.url ?? req.url.split('?')[0], id: req.id }),
        res: (res: { statusCode: number; request?: FastifyRequest }) => {
          const userId = res.request?.principal?.userId;
          return userId && deps.pseudonymise ? { statusCode: res.statusCode, user: deps.pseudonymise(userId) } : { statusCode: res.statusCode };
        },
      },
    },
    ...trustProxyOption(deps.config.TRUST_PROXY),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    clientErrorHandler: answerClientError,
  }).withTypeProvider<ZodTypeProvider>() as unknown as App;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('principal', null);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Crisis Desk central API', version: '1.0.0', description: 'Directory publishing, call-record sync, identity and shift summaries for Crisis Desk.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: jsonSchemaTransform,
  });

  app.setErrorHandler((error, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const first = error.validation[0];
      const field = first?.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : 'body';
      return reply.code(400).send(errorBody('invalid_params', `${field}: ${first?.message ?? 'is not valid'}`));
    }
    if (error instanceof HttpError) return reply.code(error.statusCode).send(errorBody(error.code, error.message));
    const err = error as Error & { statusCode?: number; code?: string };
    const status = err.statusCode;
    if (status === 413) return reply.code(413).send(errorBody('body_too_large', `The request is larger than ${deps.config.BODY_LIMIT_BYTES} bytes: send fewer records at a time.`));
    if (status && status >= 400 && status < 500) return reply.code(status).send(errorBody('bad_request', err.message));
    // PostgreSQL cannot store some text (a NUL character, invalid byte sequences): that is bad input, not a fault.
    if (err.code === '22P05' || err.code === '22021' || err.code === '22P02') {
      return reply.code(400).send(errorBody('unstorable_text', 'The request holds text the server cannot store (for example a NUL character): remove it and send again.'));
    }
    if (databaseUnavailable(err)) {
      // Nothing was applied (a transaction cut short rolls back): the caller tries again shortly, maybe on another node.
      request.log.warn({ err: { type: err.name, code: err.code } }, 'database busy or unreachable');
      return reply
        .code(503)
        .header('retry-after', '2')
        .send(errorBody('database_unavailable', 'The server’s database is busy or out of reach just now. Nothing was lost; try again in a moment.'));
    }
    request.log.error({ err: { type: err.name, code: err.code } }, 'unhandled error');
    return reply.code(500).send(errorBody('internal', 'The server hit an unexpected error. Nothing was lost on the desk; it will try again.'));
  });

  app.setNotFoundHandler((request, reply) => reply.code(404).send(errorBody('not_found', `There is no ${request.method} ${request.url.split('?')[0]} on this server.`)));

  app.get('/health', { schema: { hide: true } }, async () => {
    await deps.db.query('SELECT 1');
    return { status: 'ok' };
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const register of modules) await register(app, deps);
  await app.ready();
  return app;
}
