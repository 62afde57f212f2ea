import { expect, test, type BrowserContext, type Page, type WebSocketRoute } from '@playwright/test';
import type { SyncStatus } from '../../shared/contract';
import type { CallRecordContent } from '../../shared/domain/call-record';
import { startDemoServer, type DemoServer } from './demo-server';
import { startDeskHost, type DeskHost } from './desk-host';
import { signInThroughProvider as signInAs } from './provider-sign-in';
import { expectAccessible, screenshots, watchPage } from './screen-checks';

/*
 * The clinician's screen with sync, end to end: the real central API (PGlite, demo users and
 * directory, in this process so it can be stopped and started for real and its database read),
 * desks as browser hosts (`tsx electron/host/main.ts --server …`, each on its own temp folder),
 * and Debian's Chromium. Sign-in goes through the server's own sign-in page. What reaches the
 * server is checked in its database.
 */

const CLINICIAN = 'clinician.south';
const CLINICIAN_NAME = 'Demo Clinician (Southvale day)';

let server: DemoServer;
let deskA: DeskHost;
let contextA: BrowserContext;
let page: Page;
/** The same clinician at another desk (from the two-desk test on). */
let pageB: Page;
/** The contract's WebSocket passes through Playwright, so a test can replay a status (see the download bar). */
let contractSocket: WebSocketRoute | null = null;
const cspViolations: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

interface ServerRow {
  status: string;
  revision: number;
  content_hash: string | null;
  content: CallRecordContent;
}

const serverRecord = async (id: string) => (await server.query<ServerRow>('SELECT status, revision, content_hash, content FROM call_record WHERE id = $1', [id]))[0];
const openRecordId = (p: Page) => p.evaluate(async () => ((await window.crisisDesk!.call('calls.openOnDesk', {})) as { ok: true; value: { id: string } | null }).value?.id ?? null);
const syncStatus = (p: Page) => p.evaluate(async () => ((await window.crisisDesk!.call('sync.status', {})) as { ok: true; value: SyncStatus }).value);

/** Signs in as the day clinician through the server's sign-in page (see provider-sign-in.ts). */
const signInThroughProvider = (p: Page, trigger: () => Promise<void>, shot?: string) => signInAs(p, trigger, CLINICIAN, shot);

async function allSynced(p: Page, timeout = 20_000) {
  await expect(p.getByTestId('sync-connection')).toHaveText('Online', { timeout });
  await expect(p.getByTestId('sync-waiting')).toContainText(/^(All synced|Nothing waiting · synced) \d\d:\d\d$/, { timeout });
}

async function newCall(p: Page) {
  await p.keyboard.press('Alt+n');
  await expect(p.getByText('Draft', { exact: true })).toBeVisible();
  await expect(p.locator('#f-caller-type-self')).toBeFocused();
}

async function savedState(p: Page) {
  await p.keyboard.press('ControlOrMeta+s');
  await expect(p.getByTestId('save-status')).toContainText(/Saved \d\d:\d\d:\d\d/);
}

/** Everything finalising needs, typed into the open draft (outcome 02 unless a referral is linked). */
async function writeCompleteRecord(p: Page, { name, summary, outcome = '02' }: { name: string; summary: string; outcome?: '02' | '04' }) {
  await p.locator('#f-caller-type-self').check();
  await p.locator('#f-caller-name').fill(name);
  await p.locator('#f-caller-dateOfBirth').fill('14/02/1990');
  await p.locator('#f-caller-postcode').fill('SE5 8AZ');
  await p.locator('#f-presentingNeed-categories-low_mood').check();
  await p.locator('#f-presentingNeed-summary').fill(summary);
  for (const area of ['toSelf', 'toOthers', 'fromOthers', 'safeguarding']) await p.locator(`#f-risk-${area}-status-none_identified`).check();
  await p.locator('#f-risk-formulation').fill('Synthetic test: no current risk identified; protective factors: family nearby, engaged on the call.');
  await p.locator('#f-interventions-items-listening_support').check();
  if (outcome === '04') await p.locator('#f-interventions-items-referral_made').check();
  await p.locator(`#f-outcome-code-${outcome}`).check();
  await p.locator('#f-consent-informationSharing-given').check();
  await savedState(p);
}

async function finalise(p: Page): Promise<string> {
  await expect(p.locator('.readiness')).toContainText('Ready to finalise');
  await p.keyboard.press('ControlOrMeta+Enter');
  const dialog = p.getByRole('dialog', { name: 'Finalise this call record?' });
  // Finalising cannot be undone, so it is never the default: Enter would go back to the record.
  await expect(dialog.getByRole('button', { name: 'Go back to the record' })).toBeFocused();
  await p.keyboard.press('Shift+Tab');
  await expect(dialog.getByRole('button', { name: 'Finalise record' })).toBeFocused();
  await p.keyboard.press('Enter');
  const hash = p.locator('.finalised-banner .mono');
  await expect(hash).toHaveText(/^[0-9a-f]{16}…$/);
  return (await hash.getAttribute('title'))!;
}

/** Resumes a draft from the list of calls (which names no one: it shows who called, when, the outcome). */
async function openFromList(p: Page, entry: RegExp, caller: string) {
  await p.keyboard.press('Alt+l');
  const list = p.getByRole('dialog', { name: 'Calls on this desk' });
  await list.locator('.calls__list').first().getByRole('button', { name: entry }).click();
  await expect(list).toBeHidden();
  await expect(p.locator('#f-caller-name')).toHaveValue(caller);
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  server = await startDemoServer();
  cleanups.push(() => server.dispose());
  deskA = await startDeskHost({ server: server.url });
  cleanups.push(() => deskA.stop());
  contextA = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  cleanups.push(() => contextA.close());
  await contextA.routeWebSocket(/\/contract$/, (ws) => {
    ws.connectToServer();
    contractSocket = ws;
  });
  page = await contextA.newPage();
  watchPage(page, cspViolations);
  await page.goto(deskA.url);
});

test.afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

test('a new desk: sync waits for a sign-in, the directory is not there yet, and the screen says so', async () => {
  await expect(page.getByTestId('sync-connection')).toHaveText('Sync paused');
  await expect(page.getByTestId('sync-sign-in')).toHaveText('Sign in to sync');
  await expect(page.getByTestId('user-area')).toContainText('Not signed in');
  await expect(page.getByTestId('directory-status')).toContainText('No directory on this desk yet');
  await expect(page.getByTestId('directory-status')).toContainText('downloads once you are signed in');
  // The directory panel says the same, and how to get it, instead of "0 services".
  await expect(page.getByTestId('no-directory')).toContainText('It downloads from your trust’s server once you sign in.');
  await expect(page.getByTestId('no-directory').getByRole('button', { name: 'Sign in to sync' })).toBeVisible();
  await expectAccessible(page, 'a new desk, signed out');
  await screenshots(page, '11-sync-new-desk-signed-out');

  // A download in progress, shown by replaying the desk's own status with a download under way
  // (the real one, 3,000 services on loopback, is over before a screenshot could be taken).
  const status = await syncStatus(page);
  contractSocket!.send(JSON.stringify({ kind: 'event', event: 'sync.status', payload: { ...status, directoryProgress: { phase: 'download', bytes: 2_150_000, totalBytes: 4_600_000, rows: 0 } } }));
  const bar = page.getByTestId('directory-progress');
  await expect(bar).toContainText('Downloading the directory: 2.2 of 4.6 MB');
  await expect(bar.getByRole('progressbar', { name: 'Directory download' })).toHaveAttribute('value', '2150000');
  await expect(page.getByTestId('no-directory')).toContainText('Downloading the directory: 2.2 of 4.6 MB');
  await expectAccessible(page, 'the directory download in progress');
  await screenshots(page, '12-sync-directory-download');
  contractSocket!.send(JSON.stringify({ kind: 'event', event: 'sync.status', payload: status }));
  await expect(bar).toBeHidden();
});

test('a whole call: sign in on the server’s page, search, filter, open, refer, write, finalise; the record reaches the server with the same hash', async () => {
  await signInThroughProvider(page, () => page.getByTestId('sync-sign-in').click(), '13-sign-in-page');
  await expect(page.getByTestId('user-area')).toContainText(CLINICIAN_NAME);
  await expect(page.getByTestId('directory-status')).toContainText(/Directory updated (just now|\d+ min ago) · 3,000 services/, { timeout: 20_000 });
  await allSynced(page);
  await expectAccessible(page, 'signed in and synced');
  await screenshots(page, '14-sync-signed-in-online');

  await newCall(page);
  // The directory: postcode, open now and the caller's age.
  await page.keyboard.press('Alt+p');
  await page.keyboard.type('SE5 8AZ');
  await page.keyboard.press('Alt+o');
  await page.locator('#directory-age').fill('36');
  const count = page.getByTestId('results-count');
  await expect(count).toContainText(/\d+ services? open now, taking age 36, within 25 km of SE5 8AZ/);
  await expect(page.locator('.result').first().locator('.open-badge')).toContainText('Open now');
  // Open a service's details, then refer the caller to it.
  await page.keyboard.press('Alt+ArrowDown');
  const chosen = (await page.locator('.result--active .result__name').textContent())!.trim();
  await page.keyboard.press('Enter');
  const details = page.getByRole('dialog');
  await expect(details.getByRole('heading', { name: 'How to refer' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(details).toBeHidden();
  await page.keyboard.press('Alt+r');
  await expect(page.locator('#sec-referrals').getByRole('heading', { name: chosen })).toBeVisible();
  await page.locator('#f-referrals-0-method').selectOption('referred');
  // The record.
  const summary = 'Synthetic whole call: low mood after losing her job; wants to talk to someone face to face this week.';
  await writeCompleteRecord(page, { name: 'Whole Call Example', summary, outcome: '04' });
  const id = (await openRecordId(page))!;
  const hash = await finalise(page);
  await allSynced(page);
  await expect.poll(async () => (await serverRecord(id))?.status).toBe('finalised');
  const row = (await serverRecord(id))!;
  expect(row.content_hash).toBe(hash);
  expect(row.content.presentingNeed.summary).toBe(summary);
  expect(row.content.referrals.map((r) => [r.serviceName, r.method])).toEqual([[chosen, 'referred']]);
  await expectAccessible(page, 'a finalised call, synced');
  await screenshots(page, '15-sync-whole-call-finalised');
});

test('a reload, or the page closed and opened again, mid-typing: the same draft is back with everything typed up to half a second before', async () => {
  await newCall(page);
  await page.locator('#f-caller-name').fill('Reload Example');
  await page.locator('#f-presentingNeed-summary').focus();
  const first = 'Says the voices got louder after midnight';
  await page.keyboard.type(first, { delay: 15 });
  await page.waitForTimeout(600);
  await page.reload();
  await expect(page.locator('#f-presentingNeed-summary')).toHaveValue(first);
  await expect(page.locator('#f-caller-name')).toHaveValue('Reload Example');

  const more = ' and that she is alone in the flat tonight.';
  await page.locator('#f-presentingNeed-summary').focus();
  await page.keyboard.press('End');
  await page.keyboard.type(more, { delay: 15 });
  await page.waitForTimeout(600);
  await page.close(); // as a crashed or closed tab: no chance to save anything more
  page = await contextA.newPage();
  watchPage(page, cspViolations);
  // A closed tab's session went with it: a new tab opens from a fresh address (./desk open).
  await page.goto(new URL('/', deskA.url).toString());
  await expect(page.getByRole('heading', { name: 'Open Crisis Desk from a fresh address' })).toBeVisible();
  await page.goto(deskA.freshAddress());
  // A new tab reopens the call that was open on this desk (the core keeps which one it was).
  await expect(page.locator('#f-caller-name')).toHaveValue('Reload Example');
  await expect(page.locator('#f-presentingNeed-summary')).toHaveValue(first + more);
});

test('an outage: the server stops mid-call, the clinician carries on, sees offline and what waits; it comes back and everything syncs', async () => {
  await newCall(page);
  await page.locator('#f-caller-name').fill('Outage Example');
  await savedState(page);
  await allSynced(page);
  const id = (await openRecordId(page))!;
  await expect.poll(async () => (await serverRecord(id))?.content.caller.name).toBe('Outage Example');

  await server.stop();
  await expect(page.getByTestId('sync-connection')).toHaveText(/^Offline since \d\d:\d\d$/, { timeout: 20_000 });
  await expect(page.getByTestId('sync-announcement')).toContainText('The server cannot be reached');

  // Searching still works: the directory is on the desk.
  await page.keyboard.press('Alt+s');
  await page.keyboard.type('crisis');
  await expect(page.getByTestId('results-count')).toContainText(/\d+ services? matching “crisis”/);
  const summary = 'Synthetic outage call: written and finalised while the server was down.';
  await writeCompleteRecord(page, { name: 'Outage Example', summary });
  await expect(page.getByTestId('sync-waiting')).toContainText(/^\d+ changes? waiting, kept on this desk$/);
  const hash = await finalise(page);
  await expect(page.getByTestId('sync-waiting')).toContainText(/changes? waiting, kept on this desk/);
  expect((await syncStatus(page)).waiting).toBeGreaterThan(0);
  await expectAccessible(page, 'offline with changes waiting');
  await screenshots(page, '16-sync-offline-waiting');

  await server.start(); // same port, same data
  await allSynced(page, 30_000);
  await expect(page.getByTestId('sync-announcement')).toContainText('All changes have reached the server.');
  expect((await syncStatus(page)).waiting).toBe(0);
  const row = (await serverRecord(id))!;
  expect(row.status).toBe('finalised');
  expect(row.content_hash).toBe(hash);
  expect(row.content.presentingNeed.summary).toBe(summary);
  await screenshots(page, '17-sync-back-online');
});

test('two desks change the same records: a conflict merged by hand in the conflicts view, and a rejected change acknowledged', async ({ browser }) => {
  // Desk A: two drafts, both on the server.
  await newCall(page);
  await page.locator('#f-caller-type-friend').check();
  await page.locator('#f-caller-name').fill('Conflict Example');
  await page.locator('#f-presentingNeed-summary').fill('Synthetic: first words from desk A.');
  await savedState(page);
  const conflicted = (await openRecordId(page))!;
  await newCall(page);
  await writeCompleteRecord(page, { name: 'Rejected Example', summary: 'Synthetic: complete draft that desk B will finalise.' });
  const refused = (await openRecordId(page))!;
  await allSynced(page);
  await expect.poll(async () => (await serverRecord(refused))?.content.caller.name).toBe('Rejected Example');

  // Desk B: the same clinician at another desk.
  const deskB = await startDeskHost({ server: server.url });
  cleanups.push(() => deskB.stop());
  const contextB = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  cleanups.push(() => contextB.close());
  pageB = await contextB.newPage();
  watchPage(pageB, cspViolations);
  await pageB.goto(deskB.url);
  await signInThroughProvider(pageB, () => pageB.getByTestId('sync-sign-in').click());
  await expect
    .poll(async () => pageB.evaluate(async () => ((await window.crisisDesk!.call('calls.list', {})) as { ok: true; value: { id: string }[] }).value.map((c) => c.id)), { timeout: 20_000 })
    .toEqual(expect.arrayContaining([conflicted, refused]));

  // Desk A restarts (its host forgets the session): the clinician is still its user, but it cannot
  // sync until they sign in again. Meanwhile desk B changes one record and finalises the other.
  const reopened = await deskA.restart();
  await page.goto(reopened);
  await expect(page.getByTestId('sync-sign-in')).toHaveText('Sign in to sync');
  await expect(page.getByTestId('user-area')).toContainText(`${CLINICIAN_NAME}, cliniciansession ended`);
  await openFromList(pageB, /^Friend or neighbour/, 'Conflict Example');
  await pageB.locator('#f-presentingNeed-summary').fill('Synthetic: desk B says she is now at her sister’s house.');
  await pageB.locator('#f-risk-formulation').fill('Synthetic: desk B formulation, protective factors present.');
  await savedState(pageB);
  await openFromList(pageB, /^The person themselves .* outcome 02/, 'Rejected Example');
  await finalise(pageB);
  await allSynced(pageB);
  await expect.poll(async () => (await serverRecord(refused))?.status).toBe('finalised');

  // Desk A, not syncing, changes both (as the clinician: their changes stay theirs).
  await openFromList(page, /^The person themselves .* outcome 02/, 'Rejected Example');
  await page.locator('#f-outcome-notes').fill('Synthetic: desk A note added while signed out.');
  await savedState(page);
  await openFromList(page, /^Friend or neighbour/, 'Conflict Example');
  await page.locator('#f-presentingNeed-summary').fill('Synthetic: desk A says she agreed to a callback at ten.');
  await savedState(page);
  await expect(page.getByTestId('sync-sign-in')).toHaveText('Sign in to sync 2 changes');
  await expectAccessible(page, 'signed out with changes waiting');
  await screenshots(page, '18-sync-signed-out-waiting');

  // Signing in sends them: one conflicts, one is refused.
  await signInThroughProvider(page, () => page.getByTestId('sync-sign-in').click());
  await expect(page.getByTestId('sync-conflicts')).toHaveText('1 conflict to resolve', { timeout: 20_000 });
  await expect(page.getByTestId('sync-rejected')).toHaveText('1 change rejected');
  await expect(page.getByTestId('record-conflict')).toContainText('Also changed on another desk.');
  await expect(page.getByTestId('sync-announcement')).toContainText(/also changed on another desk|rejected/);
  // Nothing was overwritten on the server.
  expect((await serverRecord(conflicted))!.content.presentingNeed.summary).toBe('Synthetic: desk B says she is now at her sister’s house.');
  await expectAccessible(page, 'a conflict and a rejected change');
  await screenshots(page, '19-sync-conflict-and-rejected');

  // The conflicts view: both versions side by side.
  await page.getByTestId('record-conflict').getByRole('button', { name: 'Compare and choose' }).click();
  const view = page.getByRole('dialog', { name: 'Conflicts: records changed on two desks' });
  const conflict = view.getByTestId('conflict');
  await expect(conflict.getByRole('heading', { level: 3 })).toContainText('Conflict Example');
  await expect(conflict).toContainText('2 fields differ');
  const summaryRow = conflict.getByRole('row', { name: /Presenting need: summary/ });
  await expect(summaryRow.getByRole('cell').nth(0)).toHaveText('Synthetic: desk A says she agreed to a callback at ten.');
  await expect(summaryRow.getByRole('cell').nth(1)).toHaveText('Synthetic: desk B says she is now at her sister’s house.');
  await expect(summaryRow.locator('mark').first()).toBeVisible();
  await expect(conflict.getByRole('row', { name: /Risk formulation/ }).getByRole('cell').nth(0)).toHaveText(/Synthetic test: no current risk|Not recorded/);
  await expectAccessible(page, 'the conflicts view');
  await screenshots(page, '20-conflicts-compare');

  // Merge by hand: this desk's text, edited, and the other desk's formulation taken.
  await conflict.getByRole('button', { name: 'Merge by hand…' }).click();
  const merged = 'Synthetic: desk A says she agreed to a callback at ten; desk B says she is now at her sister’s house.';
  await conflict.getByLabel('Summary', { exact: true }).fill(merged);
  await conflict.getByRole('button', { name: /^Use this\s*: the server’s risk formulation$/ }).click();
  await expect(conflict.getByLabel('Risk formulation', { exact: true })).toHaveValue('Synthetic: desk B formulation, protective factors present.');
  await expectAccessible(page, 'merging by hand');
  await screenshots(page, '21-conflicts-merge');
  await conflict.getByRole('button', { name: 'Save the merged version' }).click();
  await expect(view.getByText('No conflicts left to resolve.')).toBeVisible();
  await view.getByRole('button', { name: 'Close', exact: true }).click();

  // The open record shows the merged version, and it reaches the server (and desk B).
  await expect(page.locator('#f-presentingNeed-summary')).toHaveValue(merged);
  await expect(page.locator('#f-risk-formulation')).toHaveValue('Synthetic: desk B formulation, protective factors present.');
  await expect(page.getByTestId('record-conflict')).toBeHidden();
  await allSynced(page);
  await expect.poll(async () => (await serverRecord(conflicted))?.content.presentingNeed.summary).toBe(merged);
  await expect
    .poll(async () => pageB.evaluate(async (id) => ((await window.crisisDesk!.call('calls.get', { id })) as { ok: true; value: { content: CallRecordContent } }).value.content.presentingNeed.summary, conflicted), {
      timeout: 20_000,
    })
    .toBe(merged);

  // The rejected change: what and why; acknowledged, and still listed.
  await page.getByTestId('sync-rejected').click();
  const rejectedView = page.getByRole('dialog', { name: 'Changes the server rejected' });
  const item = rejectedView.getByTestId('rejection');
  await expect(item).toContainText(`A change to a draft by ${CLINICIAN_NAME} · Rejected Example`);
  await expect(item).toContainText('already been finalised on the server');
  await expectAccessible(page, 'the rejected changes');
  await screenshots(page, '22-rejected-changes');
  await item.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(rejectedView.getByRole('heading', { name: 'Acknowledged (1)' })).toBeVisible();
  await expect(item).toContainText(/Acknowledged (just now|\d\d:\d\d)/);
  await expect(page.getByTestId('sync-rejected')).toBeHidden();
  await page.keyboard.press('Escape');
});

test('a call written on another desk appears in this desk’s list of calls as it syncs: no reload, nothing pressed', async () => {
  // Desk B shows its list of calls (the finalised record it had open is closed).
  await pageB.getByRole('button', { name: 'Close record' }).click();
  const listB = pageB.locator('.empty-call .calls');
  await expect(listB.getByRole('heading', { name: /^In progress \(\d+\)$/ })).toBeVisible();
  await expect(listB.getByRole('button', { name: /^Professional/ })).toHaveCount(0);

  // Desk A: a new call from a professional, sent to the server.
  await newCall(page);
  await page.locator('#f-caller-type-professional').check();
  await page.locator('#f-presentingNeed-summary').fill('Synthetic: a GP calling about a patient, written on desk A.');
  await savedState(page);
  const fromA = (await openRecordId(page))!;
  await allSynced(page);
  await expect.poll(async () => (await serverRecord(fromA))?.content.presentingNeed.summary).toBe('Synthetic: a GP calling about a patient, written on desk A.');

  // Desk B pulls it (the server's hint) and the list on its screen has it, untouched.
  await expect(listB.getByRole('button', { name: /^Professional/ })).toHaveCount(1, { timeout: 20_000 });
  const drafts = await pageB.evaluate(async () => ((await window.crisisDesk!.call('calls.list', { statuses: ['draft'] })) as { ok: true; value: unknown[] }).value.length);
  await expect(listB.getByRole('heading', { name: `In progress (${drafts})` })).toBeVisible();
  await expect(pageB.getByRole('button', { name: new RegExp(`^Calls \\(${drafts} in progress\\)`) })).toBeVisible();
  await screenshots(pageB, '23-sync-call-from-another-desk-listed');
});

test('the strict CSP refused nothing on the sync screens', () => {
  expect(cspViolations).toEqual([]);
});
