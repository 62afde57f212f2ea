import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillPath, rawRequest, startAllRoutesServer, type AllRoutesServer } from '../../test/support/all-routes-server';
import { BOTH_DATABASES } from '../../test/support/both-databases';

/**
 * The only operations anyone may call without a token, each for a reason. Every other operation in
 * /openapi.json, including ones added after this test was written, must answer 401 without one.
 * (/health and /openapi.json are public too; they are not in the document.)
 */
const PUBLIC_OPERATIONS = new Set([
  // Signing in happens before there is a token.
  'GET /.well-known/openid-configuration',
  'GET /oidc/jwks',
  'GET /oidc/authorize',
  'POST /oidc/authorize',
  'POST /oidc/token',
  'POST /oidc/revoke',
  // Where desks sign in (the built-in provider, or the trust's).
  'GET /v1/sign-in/provider',
  // The GOV.UK bank-holiday list: public data the desk may fetch before anyone signs in.
  'GET /v1/reference/bank-holidays',
]);

const A_UUID = '0190a000-0000-7000-8000-000000000001';

describe.each(BOTH_DATABASES)('every route needs a token, on %s', (_name, open) => {
  let all: AllRoutesServer;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const opened = await open();
    drop = opened.drop;
    all = await startAllRoutesServer(opened.db);
  });
  afterAll(async () => {
    await all.close();
    await drop();
  });

  it('lists protected operations in /openapi.json (so the check below is not vacuous)', () => {
    const protectedOps = all.operations.filter((op) => !PUBLIC_OPERATIONS.has(op.name));
    expect(protectedOps.map((op) => op.name)).toContain('GET /oidc/userinfo');
    expect(protectedOps.length).toBeGreaterThan(1);
  });

  it('answers 401 with WWW-Authenticate and an {error, message} body, before looking at the input, to a call without a token or with a bad one', async () => {
    const wrong: string[] = [];
    for (const op of all.operations.filter((o) => !PUBLIC_OPERATIONS.has(o.name))) {
      // A plausible request, short of the token; authentication must not depend on the rest of it.
      const path = fillPath(op, () => A_UUID);
      for (const authorization of [undefined, 'Bearer not-a-token', 'Basic dXNlcjpwYXNz']) {
        const headers: Record<string, string> = authorization ? { authorization } : {};
        const body = op.bodyTypes.length > 0 ? '{}' : undefined;
        if (body !== undefined) headers['content-type'] = 'application/json';
        const r = await rawRequest(all.server.url, { method: op.method, path, headers, body });
        const json = r.body && r.contentType.includes('json') ? (JSON.parse(r.body) as Record<string, unknown>) : null;
        const ok = r.status === 401 && typeof json?.error === 'string' && typeof json?.message === 'string';
        if (!ok) wrong.push(`${op.name} with ${authorization ?? 'no token'}: ${r.status} ${r.body ?? ''}`);
      }
    }
    expect(wrong, 'Register authenticate(deps) as onRequest so it runs before validation and other hooks').toEqual([]);
  });

  it('sends WWW-Authenticate with every 401', async () => {
    const op = all.operations.find((o) => o.name === 'GET /oidc/userinfo')!;
    const r = await fetch(new URL(op.path, all.server.url));
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer error="invalid_request"');
  });
});
