import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { startDemoServer, type DemoServer } from './demo-server';
import { startDeskHost, type DeskHost } from './desk-host';
import { DEMO_PASSWORD, signInThroughProvider } from './provider-sign-in';
import { expectAccessible, screenshots } from './screen-checks';

/*
 * The directory's quality loop end to end, in Chromium with the demo server in its own process:
 * a clinician reports a dead number by keyboard (two keys) and sees it on the card at once; the
 * other desk of the trust sees it after its catch-up; the trust's directory lead signs in to the
 * admin console (served by the same server) and corrects the service locally; both desks' cards
 * change to the local correction, the dead number struck through and no longer offered.
 */

let server: DemoServer;
const cleanups: (() => Promise<void>)[] = [];
let pageA: Page;
let pageB: Page;
let service: { id: string; name: string; phone: string };

async function desk(browser: Browser, username: string): Promise<Page> {
  const host: DeskHost = await startDeskHost({ server: server.url });
  cleanups.push(() => host.stop());
  const context: BrowserContext = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  cleanups.push(() => context.close());
  const p = await context.newPage();
  p.on('pageerror', (e) => {
    throw e;
  });
  await p.goto(host.url);
  await signInThroughProvider(p, () => p.getByTestId('sync-sign-in').click(), username);
  await expect(p.getByTestId('directory-status')).toContainText(/Directory updated .* · 300 services/, { timeout: 30_000 });
  return p;
}

/** Searches by the service's name and selects its result by keyboard. */
async function findService(p: Page) {
  await p.keyboard.press('Alt+s');
  await p.keyboard.type(service.name);
  const card = p.locator('.result', { has: p.locator('.result__name', { hasText: service.name }) }).first();
  await expect(card).toBeVisible();
  await p.keyboard.press('Alt+ArrowDown');
  await expect(p.locator('.result--active .result__name')).toHaveText(service.name);
  return card;
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  server = await startDemoServer({ services: 300 });
  cleanups.push(() => server.dispose());
  const [row] = await server.query<{ id: string; name: string; phone: string }>(
    `SELECT id, doc->>'name' AS name, doc->'phones'->0->>'number' AS phone FROM directory_service
     WHERE trust_id = 'demo-south' AND NOT deleted AND doc->>'status' = 'active' AND doc->'phones'->0->>'type' = 'public'
       AND (SELECT count(*) FROM directory_service d2 WHERE d2.trust_id = 'demo-south' AND d2.doc->>'name' = directory_service.doc->>'name') = 1
     ORDER BY id LIMIT 1`,
  );
  service = row!;
  pageA = await desk(browser, 'clinician.south');
  pageB = await desk(browser, 'clinician2.south');
});

test.afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

test('a clinician reports a dead number in two keys; the card warns at once, and the other desk’s after its catch-up', async () => {
  const card = await findService(pageA);
  await pageA.keyboard.press('Alt+k');
  const dialog = pageA.getByRole('dialog', { name: `Report a problem: ${service.name}` });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('heading', { name: `Report a problem: ${service.name}` })).toBeFocused();
  await expectAccessible(pageA, 'the report dialog');
  await screenshots(pageA, '60-report-dialog');
  await pageA.keyboard.press('n');
  await expect(dialog).toBeHidden();
  // At once, from this desk's own copy ("Sent from this desk…") — or already as the published
  // directory carries it, when the server's catch-up came first (it did on a quiet machine).
  const phone = service.phone.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await expect(card.getByTestId('open-reports')).toContainText(new RegExp(`today: number not answering or wrong \\(${phone}\\)(\\. Sent from this desk|$)`));
  // Focus is back on the service, so the clinician carries on from where they were.
  await expect(pageA.locator('.result--active .result__name')).toBeFocused();
  await expectAccessible(pageA, 'a card with a report made here');
  await screenshots(pageA, '61-report-on-the-card');

  await expect.poll(async () => (await server.query<{ n: number }>('SELECT count(*)::int AS n FROM directory_report WHERE service_id = $1', [service.id]))[0]!.n, { timeout: 20_000 }).toBe(1);
  const cardB = await findService(pageB);
  await expect(cardB.getByTestId('open-reports')).toContainText(`number not answering or wrong (${service.phone})`, { timeout: 20_000 });
  await expect(cardB.getByTestId('open-reports')).not.toContainText('Sent from this desk');
  // Search order does not hide it: still listed, still its own result.
  await expect(pageB.locator('.result--active .result__name')).toHaveText(service.name);
});

test('the directory lead resolves it in the admin console with a local correction; both desks’ cards change', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  cleanups.push(() => context.close());
  const lead = await context.newPage();
  await lead.goto(`${server.url}/console`);
  // The same sign-in page as the desks, as the trust's directory lead.
  await expect(lead.getByRole('heading', { name: 'Sign in to the Crisis Desk admin console' })).toBeVisible();
  await lead.locator('input[name="username"][value="admin.south"]').check();
  await lead.getByLabel('Password').fill(DEMO_PASSWORD);
  await lead.getByRole('button', { name: 'Sign in' }).click();
  await expect(lead.getByRole('heading', { name: 'Problems reported by clinicians' })).toBeVisible();
  const row = lead.getByRole('row', { name: new RegExp(service.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });
  await expect(row).toContainText('Demo Clinician (Southvale day)');
  await expect(row).toContainText(service.phone);
  await expectAccessible(lead, 'the console’s report queue');
  await screenshots(lead, '62-console-reports');

  // By keyboard: to "Correct locally…", then the "number not working" form.
  await row.getByRole('link', { name: 'Correct locally…' }).focus();
  await lead.keyboard.press('Enter');
  await expect(lead.getByRole('heading', { name: 'Correct this service locally' })).toBeVisible();
  await expectAccessible(lead, 'a service in the console');
  await screenshots(lead, '63-console-service');
  const form = lead.locator('form', { has: lead.getByRole('heading', { name: 'Number not working' }) });
  await expect(form.getByRole('checkbox')).toBeChecked();
  await form.getByLabel('Number', { exact: true }).selectOption(service.phone);
  await form.getByLabel('Note shown with it (optional)').fill('Line fault reported to the provider');
  await form.getByRole('button', { name: 'Publish this correction' }).focus();
  await lead.keyboard.press('Enter');
  await expect(lead.getByRole('status')).toContainText('Local correction published');
  await expect(lead.getByText('marked not working')).toBeVisible();
  await expect(lead.getByRole('row', { name: /Corrected locally/ })).toContainText('Demo Administrator (Southvale)');

  for (const [p, name] of [
    [pageB, 'other desk'],
    [pageA, 'reporting desk'],
  ] as const) {
    const card = p.locator('.result', { has: p.locator('.result__name', { hasText: service.name }) }).first();
    await expect(card.getByTestId('local-correction'), name).toContainText(`${service.phone} is not working: do not give it to callers (Line fault reported to the provider)`, { timeout: 20_000 });
    await expect(card.getByTestId('open-reports'), name).toBeHidden();
    await expect(card.getByTestId('phone-not-working')).toContainText(service.phone);
    await expect(card.getByRole('button', { name: `Copy ${service.phone}` })).toHaveCount(0);
  }
  await expectAccessible(pageB, 'a card with a local correction');
  await screenshots(pageB, '64-local-correction-on-the-card');

  // The rest of the console, each page checked and looked at.
  for (const [path, heading, shot] of [
    ['/console/corrections', 'Local corrections', '65-console-corrections'],
    ['/console/versions', 'Published versions', '66-console-versions'],
    ['/console/imports', 'Imports of the directory feed', '67-console-imports'],
    ['/console/taxonomy', 'Taxonomy mapping', '68-console-taxonomy'],
  ] as const) {
    await lead.goto(`${server.url}${path}`);
    await expect(lead.getByRole('heading', { level: 1, name: heading })).toBeVisible();
    await expectAccessible(lead, `the console: ${heading}`);
    await screenshots(lead, shot);
  }
});
