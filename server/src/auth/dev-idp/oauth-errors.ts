import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** An OAuth 2.0 error answer (RFC 6749 §5.2, RFC 7009 §2.2.1). */
export class OAuthError extends Error {
  constructor(
    readonly statusCode: 400 | 401,
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'unsupported_token_type' | 'access_denied',
    message: string,
  ) {
    super(message);
  }
}

/**
 * OAuth's `{error, error_description}`, with the description repeated as `message`, the shape every
 * other error of this API has, so one client can read both.
 */
export function oauthErrorBody(error: string, description: string) {
  return { error, error_description: description, message: description };
}

/** The identity provider's error handler: OAuth error bodies, never cached. */
export function oauthErrorHandler(error: FastifyError | OAuthError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('cache-control', 'no-store');
  if (error instanceof OAuthError) {
    return reply.code(error.statusCode).send(oauthErrorBody(error.error, error.message));
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const field = first?.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : 'request';
    return reply.code(400).send(oauthErrorBody('invalid_request', `${field}: ${first?.message ?? 'is not valid'}`));
  }
  const status = error.statusCode;
  if (status && status >= 400 && status < 500) return reply.code(status).send(oauthErrorBody('invalid_request', error.message));
  request.log.error({ err: { type: error.name, code: error.code } }, 'unhandled error in the identity provider');
  return reply.code(500).send(oauthErrorBody('server_error', 'The sign-in service hit an unexpected error: try again.'));
}
