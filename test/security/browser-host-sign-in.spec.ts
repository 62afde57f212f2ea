import { expect, test, type BrowserContext, type Page, type Request } from '@playwright/test';
import { startDemoServer, type DemoServer } from '../e2e/demo-server';
import { startDeskHost, type DeskHost } from '../e2e/desk-host';
import { DEMO_PASSWORD } from '../e2e/provider-sign-in';
import { expectAccessible, screenshots } from '../e2e/screen-checks';

/*
 * Finding 7 of the security probe, reproduced in Debian's Chromium: the browser host (on
 * 127.0.0.1) signing in with an identity provider on another host name (the server's own provider,
 * reached as `localhost`: another site to the browser). The provider sends the browser back to
 * /auth/callback as a cross-site navigation, which carries none of the host's SameSite=Strict
 * cookies: the old host refused it (no session), so sign-in never finished. The callback is now
 * bound to the sign-in it ends by its state (with PKCE and the nonce), and nothing else: a callback
 * this host did not start, or one used already, finishes nothing.
 */

const CLINICIAN = 'clinician.south';
const CLINICIAN_NAME = 'Demo Clinician (Southvale day)';

let server: DemoServer;
let desk: DeskHost;
let context: BrowserContext;
let page: Page;
let hostOrigin: string;
let usedCallback: string;

test.describe.configure({ mode: 'serial' });

/** The sign-ins the provider knows of: its codes (to whom, for which callback, spent or not) and its refresh-token families. */
async function signInsAtProvider() {
  const codes = await server.query<{ user_id: string; redirect_uri: string; used: boolean }>('SELECT user_id, redirect_uri, used_at IS NOT NULL AS used FROM oidc_code ORDER BY expires_at');
  const [{ n }] = (await server.query<{ n: number }>('SELECT count(DISTINCT family_id)::int AS n FROM refresh_token')) as [{ n: number }];
  return { codes, families: n };
}

test.beforeAll(async ({ browser }) => {
  server = await startDemoServer({ services: 200, hostName: 'localhost' });
  expect(new URL(server.url).hostname).toBe('localhost');
  desk = await startDeskHost({ services: 0, server: server.url });
  hostOrigin = new URL(desk.url).origin;
  expect(new URL(hostOrigin).hostname).toBe('127.0.0.1');
  context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  page = await context.newPage();
  await page.goto(desk.url);
  await expect(page.getByTestId('desk-connection')).toHaveText('Desk ready', { timeout: 30_000 });
});

test.afterAll(async () => {
  await context?.close();
  await desk?.stop();
  await server?.dispose();
});

test('signs in with a provider on another host name: the cross-site return, with no cookie, finishes the sign-in', async () => {
  await expect(page.getByTestId('sync-sign-in')).toBeVisible({ timeout: 30_000 });
  const [tab] = await Promise.all([context.waitForEvent('page'), page.getByTestId('sync-sign-in').click()]);
  await tab.waitForLoadState();
  // The provider's page is on another site than the desk's.
  expect(new URL(tab.url()).host).toBe(new URL(server.url).host);
  await expect(tab.getByRole('heading', { name: 'Sign in to Crisis Desk' })).toBeVisible();
  await tab.locator(`input[name="username"][value="${CLINICIAN}"]`).check();
  await tab.getByLabel('Password').fill(DEMO_PASSWORD);
  const callback = tab.waitForRequest((r) => r.url().startsWith(`${hostOrigin}/auth/callback`));
  await tab.getByRole('button', { name: 'Sign in' }).click();
  const back: Request = await callback;
  const headers = await back.allHeaders();
  // What the old host needed and a browser does not send on this return.
  expect(headers.cookie).toBeUndefined();
  expect(headers['sec-fetch-site']).toBe('cross-site');
  expect(headers['sec-fetch-mode']).toBe('navigate');
  await expect(tab.getByRole('heading', { name: 'Signed in' })).toBeVisible();
  expect((await (await back.response())!.status())).toBe(200);
  usedCallback = back.url();
  await tab.close();

  await expect(page.getByTestId('user-area')).toContainText(CLINICIAN_NAME, { timeout: 30_000 });
  await expect(page.getByTestId('sync-connection')).toHaveText('Online', { timeout: 30_000 });
  // The provider issued one code, to this host's callback, and the host exchanged it once: one sign-in.
  expect(await signInsAtProvider()).toEqual({ codes: [{ user_id: CLINICIAN, redirect_uri: `${hostOrigin}/auth/callback`, used: true }], families: 1 });
});

test('the callback is bound to its sign-in by state: a replayed or forged return finishes nothing', async () => {
  const tab = await context.newPage();
  // The same return again (from history, or a copy of the address): its sign-in is over.
  const replay = await tab.goto(usedCallback);
  expect(replay!.status()).toBe(400);
  await expect(tab.getByRole('heading', { name: 'Sign-in did not finish' })).toBeVisible();
  await expect(tab.getByText(/not started here, has already been used, or took too long/)).toBeVisible();
  await expectAccessible(tab, 'a sign-in return this desk did not start');
  await screenshots(tab, '41-sign-in-return-refused');

  // A return with a code and a state another desk or a page made up (login CSRF): nothing pending has that state.
  const forged = new URL(usedCallback);
  forged.searchParams.set('state', 'made-up-state');
  expect((await tab.goto(forged.toString()))!.status()).toBe(400);
  await expect(tab.getByRole('heading', { name: 'Sign-in did not finish' })).toBeVisible();
  await tab.close();
  // Neither reached the provider: no code spent again, no other sign-in made.
  expect(await signInsAtProvider()).toEqual({ codes: [{ user_id: CLINICIAN, redirect_uri: `${hostOrigin}/auth/callback`, used: true }], families: 1 });
  // The clinician is still the one signed in.
  await expect(page.getByTestId('user-area')).toContainText(CLINICIAN_NAME);
  await expect(page.getByTestId('sync-connection')).toHaveText('Online');
});
