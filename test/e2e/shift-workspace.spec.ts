import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import type { SyntheticCall } from '../../scripts/synthetic/generate-calls';
import type { ShiftRange } from '../../shared/lib/shift-presets';
import type { ShiftSummary } from '../../shared/lib/shift-summary';
import { libreOfficeSheets, pdfInfo, pdfText } from '../support/file-readers';
import { obtainTokens, startLoopbackReceiver } from '../support/oidc-client';
import { startDemoServer, type DemoServer } from './demo-server';
import { startDeskHost, type DeskHost } from './desk-host';
import { lastNight, seedNightShift } from './night-shift-seed';
import { DEMO_PASSWORD, signInThroughProvider } from './provider-sign-in';
import { expectAccessible, expectFitsWindow, screenshots, SHOTS, watchPage } from './screen-checks';

/*
 * A team lead's shift review, end to end through the browser host against the demo server: last
 * night's calls of the Southvale night team reach the server from the night clinician's desk; the
 * night team's lead signs in on a desk of their own, opens the Shift workspace, chooses last
 * night's shift, reads the figures (the same as the server's for the same range), finds the range
 * errors said at their fields, takes the handover list, and exports the three files from the
 * screen. Each file is opened: the PDF by pdftotext and pdfinfo, the XLSX by LibreOffice, the CSV
 * by a CSV parser.
 */

const TEAM = 'demo-south-night';
const TEAM_NAME = 'Southvale crisis line, night team';
const LEAD = 'lead2.south';

let server: DemoServer;
let desk: DeskHost;
let context: BrowserContext;
let page: Page;
let night: ShiftRange;
let calls: SyntheticCall[];
const cspViolations: string[] = [];

const dmy = (date: string) => `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;

async function serverSummary(range: ShiftRange): Promise<ShiftSummary> {
  const receiver = await startLoopbackReceiver();
  try {
    const tokens = await obtainTokens(server.url, receiver, LEAD, DEMO_PASSWORD);
    const q = new URLSearchParams({ teamId: TEAM, from: range.from.toISOString(), to: range.to.toISOString() });
    const res = await fetch(`${server.url}/v1/summaries/shift?${q}`, { headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'application/json' } });
    expect(res.status).toBe(200);
    return (await res.json()) as ShiftSummary;
  } finally {
    await receiver.close();
  }
}

async function download(p: Page, button: string): Promise<Buffer> {
  const [file] = await Promise.all([p.waitForEvent('download'), p.getByRole('button', { name: button }).click()]);
  expect(await file.failure()).toBeNull();
  const saved = await file.path();
  await expect(p.getByTestId('export-outcome')).toContainText('file made');
  return readFileSync(saved);
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  server = await startDemoServer();
  night = lastNight(new Date());
  calls = await seedNightShift(server, { clinician: 'clinician2.south', trustId: 'demo-south', shift: night, count: 40, seed: 12 });
  desk = await startDeskHost({ server: server.url });
  context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB', timezoneId: 'Europe/London', acceptDownloads: true });
  page = await context.newPage();
  watchPage(page, cspViolations);
  await page.goto(desk.url);
});

test.afterAll(async () => {
  await context?.close();
  await desk?.stop();
  await server?.dispose();
});

test('the night team’s lead reviews last night’s shift, hands over and exports the PDF, XLSX and CSV from the screen', async () => {
  // Nobody signed in: no Shift workspace.
  await expect(page.getByTestId('user-area')).toBeVisible();
  await expect(page.getByTestId('shift-workspace-button')).toHaveCount(0);

  await signInThroughProvider(page, () => page.getByTestId('sync-sign-in').click(), LEAD);
  await expect(page.getByTestId('user-area')).toContainText('Demo Team Lead (Southvale night)');
  await page.getByTestId('shift-workspace-button').click();
  await expect(page.getByRole('heading', { name: new RegExp(`Shift · ${TEAM_NAME}`) })).toBeVisible({ timeout: 20_000 });

  // Last night's shift, chosen by keyboard.
  await page.getByLabel('Shift', { exact: true }).selectOption('night');
  await page.getByLabel('Starting on').fill(dmy(night.date));
  await page.getByLabel('Starting on').press('Enter');
  const expected = await serverSummary(night);
  const contacts = calls.filter((c) => c.status !== 'discarded').length;
  expect(expected.contacts.total).toBe(contacts);
  // The desk pulls the team's records after the sign-in; the figures refresh as they arrive.
  await expect(page.getByTestId('stat-contacts')).toContainText(String(contacts), { timeout: 30_000 });
  await expect(page.getByTestId('shift-range')).toContainText(/20:00 – .* 08:00 \(1[123] hours\)/);
  await expect(page.getByTestId('shift-freshness')).toContainText(/Team records as of \d\d:\d\d/);
  await expect(page.getByTestId('stat-outstanding')).toContainText(String(expected.callbacks.outstanding));
  await expect(page.getByTestId('stat-overdue')).toContainText(String(expected.callbacks.overdue));
  await expect(page.getByTestId('stat-finalised')).toContainText(String(expected.records.finalised));

  // The handover list: every callback still owed, by call reference, as the server lists them.
  const list = page.getByTestId('handover-list');
  if (expected.handover.length > 0) {
    await expect(list.locator('tbody tr')).toHaveCount(expected.handover.length);
    for (const h of expected.handover) await expect(list).toContainText(h.reference);
  }
  await expectAccessible(page, 'the Shift workspace');
  await screenshots(page, 'shift-workspace');
  // A lead's header is the fullest (the workspace switch, who is signed in, Sign out): everything
  // fits a 1366 and a 1280 px desk on both workspaces, the clock and the status bar's end included.
  mkdirSync(SHOTS, { recursive: true });
  for (const workspace of ['Shift', 'Call record'] as const) {
    await page.getByRole('button', { name: workspace, exact: true }).click();
    for (const size of [{ width: 1366, height: 768 }, { width: 1280, height: 720 }]) {
      await page.setViewportSize(size);
      await expectFitsWindow(page, `the ${workspace} workspace of a lead at ${size.width}×${size.height}`);
      await expect(page.locator('.app-header__clock')).toBeInViewport({ ratio: 1 });
      await page.screenshot({ path: path.join(SHOTS, `lead-${workspace === 'Shift' ? 'shift' : 'call'}-workspace-fits-${size.width}x${size.height}.png`) });
    }
  }
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.getByRole('button', { name: 'Shift', exact: true }).click();

  // A range that cannot be summarised is said at its field.
  await page.getByLabel('Any range').check();
  await page.getByLabel('From').fill(`${dmy(night.date)} 20:00`);
  await page.getByLabel('To', { exact: true }).fill(`${dmy(night.date)} 19:00`);
  await page.getByRole('button', { name: 'Show figures' }).click();
  await expect(page.locator('#shift-to-error')).toContainText('The end is before the start');
  await expect(page.getByLabel('To', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('To', { exact: true }).fill(`${dmy(night.date)} 20:00`);
  await page.getByRole('button', { name: 'Show figures' }).click();
  await expect(page.locator('#shift-to-error')).toContainText('The range is empty');
  await page.getByLabel('From').fill('01/01/2026 00:00');
  await page.getByRole('button', { name: 'Show figures' }).click();
  await expect(page.locator('#shift-to-error')).toContainText('at most 31 days');
  await expectAccessible(page, 'the Shift workspace with errors at the fields');
  await screenshots(page, 'shift-workspace-errors');
  // Back to last night's shift.
  await page.getByLabel('A shift', { exact: true }).check();
  await page.getByLabel('Shift', { exact: true }).selectOption('night');
  await page.getByLabel('Starting on').fill(dmy(night.date));
  await page.getByRole('button', { name: 'Show figures' }).click();
  await expect(page.getByTestId('stat-contacts')).toContainText(String(contacts));

  // The audience is chosen every time: nothing is preselected.
  await page.getByRole('button', { name: 'Handover PDF' }).click();
  await expect(page.locator('#shift-audience-error')).toContainText('Choose who the file is for');

  // The handover: the PDF for the team.
  await page.getByLabel('For handover within the team').check();
  const pdf = await download(page, 'Handover PDF');
  expect(pdfInfo(pdf).Tagged).toBe('yes');
  const text = pdfText(pdf);
  expect(text).toContain('OFFICIAL-SENSITIVE');
  expect(text).toContain(TEAM_NAME);
  for (const h of expected.handover) expect(text).toContain(h.reference);

  // The spreadsheet, read by LibreOffice: one row per contact, and the handover sheet.
  const xlsx = await download(page, 'Spreadsheet (XLSX)');
  const sheets = libreOfficeSheets(xlsx);
  expect(Object.keys(sheets)).toEqual(expect.arrayContaining(['Summary', 'Contacts', 'Referrals', 'Handover']));
  const contactRows = sheets.Contacts!.filter((r) => r.some((v) => v !== ''));
  expect(contactRows.length - 1).toBe(contacts);
  for (const h of expected.handover) expect(sheets.Handover!.flat()).toContain(h.reference);

  // The CSV for reporting outside the team: no call references.
  await page.getByLabel('For reporting outside the team').check();
  const csv = await download(page, 'Contacts (CSV)');
  expect(csv.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(true);
  const rows = parse(csv.subarray(3).toString('utf8')) as string[][];
  expect(rows.length - 1).toBe(contacts);
  expect(rows.slice(1).every((r) => r[0] === 'reporting')).toBe(true);
  for (const h of expected.handover) expect(csv.toString('utf8')).not.toContain(h.reference);
  await expect(page.getByTestId('export-outcome')).toContainText('CSV file made (for reporting outside the team)');
  await expectAccessible(page, 'the Shift workspace after an export');

  // Alt+N goes back to the call workspace.
  await page.keyboard.press('Alt+n');
  await expect(page.getByText('Draft', { exact: true })).toBeVisible();
  expect(cspViolations).toEqual([]);
});
