import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleBrowser } from '../../../test/support/console-client';
import { EXTERNAL_AUDIENCE, providerFormOf, startExternalProvider, type ExternalProvider } from '../../../test/support/external-provider';
import { freePort } from '../../../test/support/free-port';
import { createTestDatabase } from '../../../test/support/test-database';
import { testServerEnv, type TestServerEnv } from '../../../test/support/server-env';
import { loadConfig } from '../config';
import { connectPostgres } from '../db/db';
import { directoryRoutes } from '../directory';
import { startServer, type RunningServer } from '../runtime/start-server';
import { syncRoutes } from '../sync/sync-routes';
import { consoleRoutes } from './console-routes';

/*
 * The admin console signed in at an external identity provider, as a trust runs it (NHS CIS2 or the
 * trust's own): oidc-provider, a certified OpenID provider, on 127.0.0.1 with the console registered
 * as a public client, its login and consent pages filled in as a lead's browser would, and JWT
 * access tokens for the API's audience carrying the trust and roles. The console's side is the
 * desk's own OIDC client (openid-client), so state, PKCE, nonce, the ID token and RFC 9207's `iss`
 * are all checked for real.
 */

const ACCESS_TOKEN_SECONDS = 20; // under the console's 30 s margin: every API call renews, so refresh is exercised on each page

/** The provider's login page, then its consent page, as a person fills them in. */
async function signInAt(browser: ConsoleBrowser, login: string) {
  let page = await browser.go('/console/reports');
  for (let step = 0, next = providerFormOf(page.html, page.url, login); step < 3 && next; step++, next = providerFormOf(page.html, page.url, login)) {
    page = await browser.go(next.url, { form: next.form });
  }
  return page;
}

describe('the admin console signed in at an external OpenID provider', () => {
  let drop: () => Promise<void>;
  let env: TestServerEnv;
  let server: RunningServer;
  let idp: ExternalProvider;

  beforeAll(async () => {
    const t = await createTestDatabase();
    const db = connectPostgres(t.url);
    drop = t.drop;
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    idp = await startExternalProvider({
      consoleCallback: `${publicUrl}/console/callback`,
      accessTokenSeconds: ACCESS_TOKEN_SECONDS,
      accounts: {
        'ext-lead': { name: 'External Lead', trust_id: 'demo-south', roles: ['admin'] },
        'ext-clinician': { name: 'External Clinician', trust_id: 'demo-south', team_id: 'demo-south-day', roles: ['clinician'] },
      },
    });
    env = testServerEnv();
    const config = loadConfig({ PORT: String(port), PUBLIC_URL: publicUrl, DEMO: '1', LOG_LEVEL: 'silent', OIDC_ISSUER: idp.issuer, OIDC_AUDIENCE: EXTERNAL_AUDIENCE, OIDC_ASK_CONSENT: '1', ...env.env });
    // The server closes the database when it stops.
    server = await startServer(config, { log: pino({ level: 'silent' }), db, modules: [syncRoutes, directoryRoutes, consoleRoutes] });
  });
  afterAll(async () => {
    await server?.stop();
    await idp?.stop();
    await drop?.();
    env?.remove();
  });

  it('signs a directory lead in through the provider’s own pages and keeps them in as their token is renewed', async () => {
    const lead = new ConsoleBrowser(server.url);
    const page = await signInAt(lead, 'ext-lead');
    expect(page.status).toBe(200);
    expect(page.url).toBe(`${server.url}/console/reports`);
    expect(page.html).toContain('External Lead');
    // The authorization request the console made: PKCE S256, state and nonce, consent asked (this provider issues a refresh token only then), no forced login.
    const authorize = lead.trail.find((t) => t.url.startsWith(`${idp.issuer}/auth?`))!;
    const q = new URL(authorize.url).searchParams;
    expect(q.get('client_id')).toBe('crisis-desk-console');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('state')).toBeTruthy();
    expect(q.get('nonce')).toBeTruthy();
    expect(q.get('prompt')).toBe('consent');
    expect(q.get('scope')).toContain('offline_access');

    // Each page calls the API with a token under 30 s from its end, so each renews it at the
    // provider's token endpoint (rotating the refresh token): the lead is never sent back to sign in.
    const before = idp.hits.filter((h) => h === 'POST /token').length;
    for (const path of ['/console/services', '/console/reports', '/console/imports']) {
      const again = await lead.go(path);
      expect(again.status).toBe(200);
      expect(again.url).toBe(`${server.url}${path}`);
    }
    expect(idp.hits.filter((h) => h === 'POST /token').length).toBeGreaterThan(before);
  });

  it('refuses someone the provider signs in without the admin role, and revokes what it was given', async () => {
    const clinician = new ConsoleBrowser(server.url);
    const refused = await signInAt(clinician, 'ext-clinician');
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('does not have the admin role');
    expect(idp.hits).toContain('POST /token/revocation');
    expect((await clinician.go('/console/reports')).url).toContain(`${idp.issuer}/`);
  });

  it('keeps the lead signed in while the provider is out of reach, and carries on when it is back', async () => {
    const lead = new ConsoleBrowser(server.url);
    expect((await signInAt(lead, 'ext-lead')).url).toBe(`${server.url}/console/reports`);
    await idp.stop();
    try {
      const down = await lead.go('/console/reports');
      expect(down.status).toBe(503);
      expect(down.html).toContain('The identity provider cannot be reached');
      expect(down.url).toBe(`${server.url}/console/reports`);
    } finally {
      await idp.start();
    }
    const back = await lead.go('/console/reports');
    expect(back.status).toBe(200);
    expect(back.html).toContain('External Lead');
  });

  it('says so, and lets nobody in, when the provider’s answer was not for this sign-in', async () => {
    const lead = new ConsoleBrowser(server.url);
    const first = await lead.go('/console/reports');
    expect(first.url).toContain(`${idp.issuer}/interaction/`);
    // A code-less answer with a state this browser never started.
    const forged = await lead.go(`/console/callback?state=forged&code=abc&iss=${encodeURIComponent(idp.issuer)}`);
    expect(forged.status).toBe(400);
    expect(forged.html).toContain('does not match the sign-in this browser started');
    expect((await lead.go('/console/reports')).url).not.toBe(`${server.url}/console/reports`);
  });

  it('signs out at the provider too: the refresh token is revoked there', async () => {
    const lead = new ConsoleBrowser(server.url);
    const page = await signInAt(lead, 'ext-lead');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const revocations = idp.hits.filter((h) => h === 'POST /token/revocation').length;
    const out = await lead.go('/console/sign-out', { form: { csrf } });
    expect(out.status).toBe(200);
    expect(out.html).toContain('Signed out');
    expect(idp.hits.filter((h) => h === 'POST /token/revocation').length).toBe(revocations + 1);
  });
});
