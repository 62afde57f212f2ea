import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestServer, seedTestUsers, USERS, type TestServer } from '../../test/support/server-fixtures';
import { authenticate, type RouteModule } from './app';
import { openPglite, type Db } from './db/db';
import { migrate } from './db/migrations';

const probe: RouteModule = (app, deps) => {
  app.post('/probe', { preHandler: authenticate(deps, 'team_lead'), schema: { body: z.object({ n: z.number().int() }), response: { 200: z.object({ n: z.number(), trust: z.string() }) } } }, async (req) => ({
    n: req.body.n,
    trust: req.principal!.trustId,
  }));
};

describe('server app', () => {
  let db: Db;
  let server: TestServer;
  beforeAll(async () => {
    db = await openPglite();
    await migrate(db);
    await seedTestUsers(db);
    server = await createTestServer(db, [probe]);
  });
  afterAll(async () => {
    await server.close();
    await db.close();
  });

  it('answers health', async () => {
    const r = await server.app.inject({ method: 'GET', url: '/health' });
    expect(r.json()).toEqual({ status: 'ok' });
  });

  it('refuses a missing, expired or forged token, and a token without the role', async () => {
    const body = { n: 1 };
    expect((await server.app.inject({ method: 'POST', url: '/probe', payload: body })).statusCode).toBe(401);
    const expired = await server.tokenFor(USERS.a1Lead, -120);
    const r = await server.app.inject({ method: 'POST', url: '/probe', payload: body, headers: { authorization: `Bearer ${expired}` } });
    expect(r.statusCode).toBe(401);
    expect(r.json().error).toBe('token_expired');
    const good = await server.tokenFor(USERS.a1Lead);
    const [h, p] = good.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), trust_id: 'trust-b' })).toString('base64url')}.${good.split('.')[2]}`;
    expect((await server.app.inject({ method: 'POST', url: '/probe', payload: body, headers: { authorization: `Bearer ${forged}` } })).statusCode).toBe(401);
    expect((await server.app.inject({ method: 'POST', url: '/probe', payload: body, headers: await server.auth(USERS.a1Clinician) })).statusCode).toBe(403);
    const ok = await server.app.inject({ method: 'POST', url: '/probe', payload: body, headers: await server.auth(USERS.a1Lead) });
    expect(ok.json()).toEqual({ n: 1, trust: 'trust-a' });
  });

  it('answers a malformed body with 400 naming the field', async () => {
    const r = await server.app.inject({ method: 'POST', url: '/probe', payload: { n: 'x' }, headers: await server.auth(USERS.a1Lead) });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: 'invalid_params' });
    expect(r.json().message).toMatch(/^n:/);
  });

  it('serves an OpenAPI 3.1 description of its routes', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/probe');
  });
});
