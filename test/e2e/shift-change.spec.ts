import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { startDemoServer, type DemoServer } from './demo-server';
import { startDeskHost, type DeskHost } from './desk-host';
import { signInThroughProvider } from './provider-sign-in';
import { expectAccessible, screenshots, watchPage } from './screen-checks';

/*
 * A shift change on one desk, end to end: the day clinician signs in, writes and finalises a call
 * with a callback owed, starts another, and signs out while the server cannot be reached; the team
 * lead signs in on the same desk. The server holds each change under its true author (read from
 * its database): the clinician's last change reaches it under the clinician's own kept session, the
 * lead's addendum (the callback recorded as made, a handover) and own call under the lead's. The
 * screen shows who wrote what, asks before signing out, and keeps nothing of the last caller.
 */

const CLINICIAN = 'clinician.south';
const CLINICIAN_NAME = 'Demo Clinician (Southvale day)';
const LEAD = 'lead.south';
const LEAD_NAME = 'Demo Team Lead (Southvale day)';

let server: DemoServer;
let desk: DeskHost;
let context: BrowserContext;
let page: Page;
const cspViolations: string[] = [];

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// The call open on this desk is kept by the core (never in browser storage): ask it, as the screen does.
const openRecordId = (p: Page) => p.evaluate(async () => ((await window.crisisDesk!.call('calls.openOnDesk', {})) as { ok: true; value: { id: string } | null }).value?.id ?? null);

async function savedState(p: Page) {
  await p.keyboard.press('ControlOrMeta+s');
  await expect(p.getByTestId('save-status')).toContainText(/Saved \d\d:\d\d:\d\d/);
}

async function newCall(p: Page) {
  await p.keyboard.press('Alt+n');
  await expect(p.getByText('Draft', { exact: true })).toBeVisible();
  await expect(p.locator('#f-caller-type-self')).toBeFocused();
}

async function openFromList(p: Page, entry: RegExp) {
  await p.keyboard.press('Alt+l');
  const list = p.getByRole('dialog', { name: 'Calls on this desk' });
  await list.getByRole('button', { name: entry }).first().click();
  await expect(list).toBeHidden();
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  server = await startDemoServer();
  desk = await startDeskHost({ server: server.url });
  context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  page = await context.newPage();
  watchPage(page, cspViolations);
  await page.goto(desk.url);
});

test.afterAll(async () => {
  await context?.close();
  await desk?.stop();
  await server?.dispose();
});

test('two clinicians in turn on one desk: each change reaches the server under its true author, the screen shows who wrote what and keeps nothing of the last caller', async () => {
  // The day clinician signs in, writes and finalises a call that asks for a callback.
  await signInThroughProvider(page, () => page.getByTestId('sync-sign-in').click(), CLINICIAN);
  await expect(page.getByTestId('user-area')).toContainText(CLINICIAN_NAME);
  await expect(page.getByTestId('directory-status')).toContainText(/3,000 services/, { timeout: 20_000 });
  await newCall(page);
  await page.locator('#f-caller-type-self').check();
  await page.getByLabel('The caller wants to stay anonymous').check();
  await page.locator('#f-presentingNeed-categories-low_mood').check();
  await page.locator('#f-presentingNeed-summary').fill('Synthetic shift call: low mood, wants a call back tonight.');
  for (const area of ['toSelf', 'toOthers', 'fromOthers', 'safeguarding']) await page.locator(`#f-risk-${area}-status-none_identified`).check();
  await page.locator('#f-risk-formulation').fill('Synthetic: no current risk identified; family nearby.');
  await page.locator('#f-interventions-items-listening_support').check();
  await page.locator('#f-outcome-code-02').check();
  await page.getByLabel('A callback is needed').check();
  await page.getByRole('button', { name: 'In 1 hour' }).click();
  await page.getByLabel('Number to call back on').fill('07700 900123');
  await page.getByLabel('Reason for the callback').fill('Synthetic: check the safety plan held.');
  await page.locator('#f-consent-informationSharing-given').check();
  await savedState(page);
  await expect(page.getByTestId('record-authors')).toHaveText(`Started by ${CLINICIAN_NAME}`);
  const finalisedId = (await openRecordId(page))!;
  await page.keyboard.press('ControlOrMeta+Enter');
  await page.getByRole('dialog', { name: 'Finalise this call record?' }).getByRole('button', { name: 'Finalise record' }).click();
  await expect(page.locator('.finalised-banner')).toContainText(`by ${CLINICIAN_NAME}`);

  // A second call, left as a draft, with the directory searched for this caller.
  await newCall(page);
  await page.locator('#f-caller-type-friend').check();
  await page.locator('#f-caller-name').fill('Shift Draft Example');
  await page.locator('#f-presentingNeed-summary').fill('Synthetic: first words of the draft.');
  await savedState(page);
  const draftId = (await openRecordId(page))!;
  await page.keyboard.press('Alt+p');
  await page.keyboard.type('SE5 8AZ');
  await page.keyboard.press('Alt+s');
  await page.keyboard.type('crisis');
  await expect(page.getByTestId('results-count')).toContainText(/matching “crisis”/);
  await expect.poll(async () => (await server.query<{ n: number }>('SELECT count(*)::int AS n FROM call_record WHERE id = $1', [draftId]))[0]!.n).toBe(1);

  // The server cannot be reached as the shift ends: the draft's last words cannot be sent yet.
  await server.stop();
  await expect(page.getByTestId('sync-connection')).toHaveText(/^Offline since/, { timeout: 20_000 });
  await page.locator('#f-presentingNeed-summary').fill('Synthetic: last words typed by the day clinician before handing over.');

  // Signing out asks first, and says what happens to the record and what is unsent.
  await page.getByTestId('user-area').getByRole('button', { name: 'Sign out…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign out of this desk?' });
  await expect(dialog.getByRole('button', { name: 'Stay signed in' })).toBeFocused();
  await expect(dialog).toContainText(`Signed in as ${CLINICIAN_NAME}`);
  await expect(dialog.getByTestId('sign-out-record')).toContainText('kept on this desk as your draft');
  await expect(dialog.getByTestId('sign-out-waiting')).toContainText(/of yours ha(s|ve) not reached the server yet/);
  await expectAccessible(page, 'signing out');
  await screenshots(page, '23-sign-out-asks-first');
  await dialog.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(dialog).toBeHidden({ timeout: 20_000 });
  await expect(page.locator('.toast')).toContainText('sent under your own session as soon as the server can be reached');

  // Nothing of the last caller stays on screen: no record, no search, no postcode.
  await expect(page.getByRole('heading', { name: 'No call open' })).toBeVisible();
  await expect(page.locator('#directory-search')).toHaveValue('');
  await expect(page.locator('#directory-postcode')).toHaveValue('');
  await expect(page.getByTestId('user-area')).toContainText('Not signed in');
  const queued = page.getByTestId('sync-queues');
  await expect(queued).toContainText(new RegExp(`^\\d+ changes? by ${escapeRegExp(CLINICIAN_NAME)} being sent`));
  await expect(queued).toHaveAttribute('title', new RegExp(`by ${escapeRegExp(CLINICIAN_NAME)} (is|are) being sent under ${escapeRegExp(CLINICIAN_NAME)}’s own session\\.$`));
  await expectAccessible(page, 'signed out with the clinician’s change waiting');
  await screenshots(page, '24-signed-out-changes-waiting-by-author');

  // The server is back and the team lead signs in on the same desk.
  await server.start();
  await signInThroughProvider(page, () => page.getByTestId('sync-sign-in').click(), LEAD);
  await expect(page.getByTestId('user-area')).toContainText(LEAD_NAME);
  // The clinician's last change reached the server under the clinician's own name, not the lead's.
  await expect
    .poll(async () => (await server.query<{ s: string }>("SELECT content->'presentingNeed'->>'summary' AS s FROM call_record WHERE id = $1", [draftId]))[0]?.s, { timeout: 20_000 })
    .toBe('Synthetic: last words typed by the day clinician before handing over.');
  expect((await server.query('SELECT clinician_id, created_by, updated_by FROM call_record WHERE id = $1', [draftId]))[0]).toEqual({
    clinician_id: CLINICIAN, created_by: CLINICIAN, updated_by: CLINICIAN,
  });
  await expect(page.getByTestId('sync-queues')).toHaveCount(0);

  // The lead opens the clinician's draft: read-only, saying whose it is.
  await openFromList(page, /^Friend or neighbour/);
  await expect(page.getByTestId('record-read-only')).toContainText(`Started by ${CLINICIAN_NAME}. Only they can change, finalise or discard this draft`);
  await expect(page.locator('#f-presentingNeed-summary')).toHaveCount(0);
  await expect(page.locator('#record-body')).toContainText('Synthetic: last words typed by the day clinician before handing over.');
  await expectAccessible(page, 'another clinician’s draft, read-only');
  await screenshots(page, '25-another-clinicians-draft-read-only');

  // A handover: the lead records the clinician's callback as made, by an addendum of their own.
  await openFromList(page, /^Anonymous caller.*Callback due/);
  await expect(page.getByTestId('callback-owed')).toBeVisible();
  await page.getByLabel('New addendum').fill('Synthetic: called back on the clinician’s behalf; safety plan held.');
  await page.getByLabel('This addendum records the callback as made').check();
  await page.getByRole('button', { name: 'Add addendum' }).click();
  await expect(page.locator('.addendum')).toContainText(`by ${LEAD_NAME}`);
  await expect(page.locator('.addendum')).toContainText('Callback made');
  await expect(page.locator('.finalised-banner')).toContainText(`by ${CLINICIAN_NAME}`);
  await expectAccessible(page, 'a finalised record with a team lead’s addendum');
  await screenshots(page, '26-addendum-by-another-team-member');

  // The lead's own call.
  await newCall(page);
  await page.locator('#f-caller-type-professional').check();
  await page.locator('#f-presentingNeed-summary').fill('Synthetic: the lead’s own call.');
  await savedState(page);
  const leadsId = (await openRecordId(page))!;
  await expect(page.getByTestId('record-authors')).toHaveText(`Started by ${LEAD_NAME}`);
  await expect(page.getByTestId('sync-waiting')).toContainText(/^All synced/, { timeout: 20_000 });

  // What the server holds: every change under the person who made it, each in a stream of their own.
  const records = await server.query<{ id: string; clinician_id: string; created_by: string; updated_by: string; finalised_by: string | null }>(
    'SELECT id, clinician_id, created_by, updated_by, finalised_by FROM call_record WHERE id = ANY($1::uuid[]) ORDER BY id',
    [[finalisedId, draftId, leadsId]],
  );
  expect(new Map(records.map((r) => [r.id, r]))).toEqual(
    new Map([
      [finalisedId, { id: finalisedId, clinician_id: CLINICIAN, created_by: CLINICIAN, updated_by: CLINICIAN, finalised_by: CLINICIAN }],
      [draftId, { id: draftId, clinician_id: CLINICIAN, created_by: CLINICIAN, updated_by: CLINICIAN, finalised_by: null }],
      [leadsId, { id: leadsId, clinician_id: LEAD, created_by: LEAD, updated_by: LEAD, finalised_by: null }],
    ]),
  );
  const addenda = await server.query<{ author_id: string; made: boolean }>('SELECT author_id, callback_made_at IS NOT NULL AS made FROM call_addendum WHERE record_id = $1', [finalisedId]);
  expect(addenda).toEqual([{ author_id: LEAD, made: true }]);
  const answers = await server.query<{ author_id: string; user_id: string; status: string }>(
    'SELECT m.author_id, c.user_id, m.status FROM applied_mutation m JOIN sync_client c ON c.client_id = m.client_id WHERE m.record_id = ANY($1::uuid[])',
    [[finalisedId, draftId, leadsId]],
  );
  expect(answers.every((a) => a.author_id === a.user_id && a.status === 'applied')).toBe(true);
  expect(new Set(answers.map((a) => a.author_id))).toEqual(new Set([CLINICIAN, LEAD]));
  await expect(page.getByTestId('sync-rejected')).toHaveCount(0);
  // The clinician's kept session was given back once their change had gone.
  await expect
    .poll(async () => (await server.query<{ n: number }>("SELECT count(*)::int AS n FROM refresh_token WHERE user_id = $1 AND revoked_at IS NULL AND rotated_at IS NULL", [CLINICIAN]))[0]!.n)
    .toBe(0);
});

test('handing the desk back: the lead signs out and the clinician signs in, and the lead’s open call leaves the screen', async () => {
  await expect(page.locator('#f-presentingNeed-summary')).toHaveValue('Synthetic: the lead’s own call.');
  await page.getByTestId('user-area').getByRole('button', { name: 'Sign out…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign out of this desk?' });
  await signInThroughProvider(page, () => dialog.getByRole('button', { name: 'Sign out and sign in as someone else' }).click(), CLINICIAN);
  await expect(page.getByTestId('user-area')).toContainText(CLINICIAN_NAME);
  await expect(page.getByRole('heading', { name: 'No call open' })).toBeVisible();
  // Back in their own draft, the clinician can carry on with it.
  await openFromList(page, /^Friend or neighbour/);
  await expect(page.locator('#f-presentingNeed-summary')).toHaveValue('Synthetic: last words typed by the day clinician before handing over.');
  await expect(page.getByTestId('record-read-only')).toHaveCount(0);
  // The lead's draft is theirs: read-only here now.
  await openFromList(page, /^Professional/);
  await expect(page.getByTestId('record-read-only')).toContainText(`Started by ${LEAD_NAME}`);
});

test('a call written while nobody was signed in waits, unsent, until the person who signs in says it was theirs', async () => {
  await page.getByTestId('user-area').getByRole('button', { name: 'Sign out…' }).click();
  await page.getByRole('dialog', { name: 'Sign out of this desk?' }).getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByTestId('user-area')).toContainText('Not signed in');
  await newCall(page);
  await page.locator('#f-caller-type-family_carer').check();
  await page.locator('#f-presentingNeed-summary').fill('Synthetic: written while nobody was signed in.');
  await savedState(page);
  const id = (await openRecordId(page))!;
  await expect(page.getByTestId('record-authors')).toHaveText('Started while nobody was signed in');
  await expect(page.getByTestId('sync-queues')).toContainText(/made while nobody was signed in: not sent/);

  await signInThroughProvider(page, () => page.getByTestId('sync-sign-in').click(), CLINICIAN);
  const claim = page.getByRole('dialog', { name: 'Changes made while nobody was signed in' });
  await expect(claim).toContainText(`Tick only what you, ${CLINICIAN_NAME}, did`);
  await expect(claim.getByRole('button', { name: 'Tick what you did' })).toBeDisabled();
  await expect(claim.getByLabel(/Family member or carer/)).not.toBeChecked();
  // Signing in gave it to nobody.
  expect(await server.query('SELECT id FROM call_record WHERE id = $1', [id])).toEqual([]);
  await expectAccessible(page, 'claiming changes made while nobody was signed in');
  await screenshots(page, '27-claim-unattributed-changes');
  await claim.getByLabel(/Family member or carer/).check();
  await claim.getByRole('button', { name: 'This is mine: file it under my name' }).click();
  await expect(claim).toBeHidden();
  await expect.poll(async () => (await server.query<{ clinician_id: string }>('SELECT clinician_id FROM call_record WHERE id = $1', [id]))[0]?.clinician_id, { timeout: 20_000 }).toBe(CLINICIAN);
  await openFromList(page, /^Family member or carer/);
  await expect(page.getByTestId('record-authors')).toHaveText(`Started by ${CLINICIAN_NAME}`);
  await expect(page.getByTestId('sync-queues')).toHaveCount(0);
});

test('the strict CSP refused nothing on these screens', () => {
  expect(cspViolations).toEqual([]);
});
