import { expect, test, type Page, type WebSocketRoute } from '@playwright/test';
import { startDeskHost, type DeskHost } from './desk-host';
import { expectAccessible as expectAccessibleOn, screenshots as screenshotsOf, SIZES, watchPage } from './screen-checks';

/*
 * The clinician's screen, end to end: a real core and browser host on a temp folder, Debian's
 * Chromium, driven from the keyboard (shortcuts, Tab, Space, typing; no mouse). Each step checks
 * what the clinician would rely on, runs axe (WCAG 2.2 AA) on what is shown, and writes a
 * screenshot at 1366×768 and 1920×1080 to test-results/ui/.
 */

let host: DeskHost;
let page: Page;
/** The contract's WebSocket passes through Playwright, so a test can cut it as a host restart would. */
let coreDown = false;
const sockets: WebSocketRoute[] = [];
/** Anything the page's strict CSP refused (an inline style or script would show up here). */
const cspViolations: string[] = [];

const screenshots = (name: string) => screenshotsOf(page, name);
const expectAccessible = (what: string) => expectAccessibleOn(page, what);

/** Focuses a field without the mouse (as Tab would), then types into it. */
async function typeInto(label: string | RegExp, text: string) {
  const field = page.getByLabel(label, { exact: typeof label === 'string' });
  await field.focus();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(text);
}

async function tick(label: string | RegExp, within?: string) {
  const scope = within ? page.locator(within) : page;
  const box = scope.getByLabel(label, { exact: typeof label === 'string' });
  await box.focus();
  if (!(await box.isChecked())) await page.keyboard.press('Space');
  await expect(box).toBeChecked();
}

async function savedState() {
  await expect(page.getByTestId('save-status')).toContainText(/Saved \d\d:\d\d:\d\d/);
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  host = await startDeskHost();
  const context = await browser.newContext({ viewport: SIZES[0], locale: 'en-GB', timezoneId: 'Europe/London' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(host.url).origin });
  page = await context.newPage();
  watchPage(page, cspViolations);
  await page.routeWebSocket(/\/contract$/, (ws) => {
    if (coreDown) return ws.close({ code: 1006, reason: 'core down' });
    ws.connectToServer();
    sockets.push(ws);
  });
  await page.goto(host.url);
});

test.afterAll(async () => {
  await page?.context().close();
  await host?.stop();
});

test('the empty workspace shows the call record, the directory and the status bar, connected', async () => {
  await expect(page.getByRole('heading', { name: 'Call record' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Directory' })).toBeVisible();
  await expect(page.getByText('Desk ready', { exact: true })).toBeVisible();
  await expect(page.getByTestId('directory-status')).toContainText('3,000 services');
  await expect(page.getByRole('button', { name: /Start a new call/ })).toBeVisible();
  await expectAccessible('the empty workspace');
  await screenshots('01-empty-workspace');
});

test('searching near SE5 8AZ, open now, shows open services with distance, ages, phones and data age', async () => {
  await page.keyboard.press('Alt+p');
  await expect(page.locator('#directory-postcode')).toBeFocused();
  await page.keyboard.type('SE5 8AZ');
  await page.keyboard.press('Alt+o');
  await expect(page.getByTestId('results-count')).toContainText(/\d+ services? open now, within 25 km of SE5 8AZ/);
  await expect(page.getByText('Distances from SE5 8AZ (postcode sector')).toBeVisible();
  const cards = page.locator('.result');
  await expect(cards.first()).toBeVisible();
  const shown = await cards.count();
  expect(shown).toBeGreaterThan(2);
  expect(shown).toBeLessThan(20); // virtualised: only the cards near the viewport are in the page
  for (let i = 0; i < Math.min(shown, 4); i++) {
    await expect(cards.nth(i).locator('.open-badge')).toContainText('Open now');
    await expect(cards.nth(i).locator('.result__where')).toContainText(/km|Covers this area|National/);
    await expect(cards.nth(i).locator('.result__facts')).toContainText(/Ages|All ages/);
    await expect(cards.nth(i).locator('.data-age')).toContainText(/Verified|Never verified/);
  }

  // Alt+↓ selects the first result; Alt+C copies its first public number.
  await page.keyboard.press('Alt+ArrowDown');
  const first = cards.first();
  await expect(first).toHaveClass(/result--active/);
  await expect(first.locator('.result__name')).toBeFocused();
  const publicNumber = (await first.locator('.phone:not(.phone--professionals) .phone__number').first().textContent())!;
  await page.keyboard.press('Alt+c');
  await expect(page.locator('.toast')).toContainText(`Copied ${publicNumber}`);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(publicNumber);

  await expectAccessible('search results');
  await screenshots('02-search-SE5-8AZ-open-now');
});

test('a postcode that does not exist shows the core’s message at the field', async () => {
  await page.keyboard.press('Alt+p');
  await page.keyboard.type('ZZ9 9ZZ');
  await expect(page.locator('#directory-postcode-error')).toContainText('is not a known postcode');
  await expect(page.locator('#directory-postcode')).toHaveAttribute('aria-invalid', 'true');
  await page.keyboard.press('Alt+p');
  await page.keyboard.type('SE5 8AZ');
  await expect(page.getByTestId('results-count')).toContainText('within 25 km of SE5 8AZ');
});

test('a long list is virtualised and fetches its next page as the clinician moves down it', async () => {
  await page.keyboard.press('Alt+o'); // open or closed: several hundred services
  const count = page.getByTestId('results-count');
  await expect(count).toContainText(/^\d{3,} services within 25 km of SE5 8AZ/);
  const total = Number((await count.textContent())!.match(/^(\d+)/)![1]);
  for (let i = 0; i < 56; i++) await page.keyboard.press('Alt+ArrowDown');
  const item = page.locator('[role="listitem"][aria-posinset="56"]');
  await expect(item.locator('.result')).toHaveClass(/result--active/);
  await expect(item.locator('.result__name')).toBeFocused();
  await expect(item).toHaveAttribute('aria-setsize', String(total));
  expect(await page.locator('.result').count()).toBeLessThan(25);
  await page.keyboard.press('Alt+o');
  await expect(count).toContainText('open now');
});

test('opening a result shows its details: hours for the week, sites, phones; Esc closes it', async () => {
  await page.keyboard.press('Alt+ArrowDown');
  await expect(page.locator('.result--active .result__name')).toBeFocused();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('heading', { name: 'Opening hours (London time)' })).toBeVisible();
  await expect(dialog.getByRole('rowheader', { name: 'Monday' })).toBeVisible();
  await expect(dialog.getByRole('heading', { name: 'How to refer' })).toBeVisible();
  await expectAccessible('service details');
  await screenshots('03-service-details');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});

test('a new call: finalising too early lists what is missing, each a link to its field', async () => {
  await page.keyboard.press('Alt+n');
  await expect(page.getByText('Draft', { exact: true })).toBeVisible();
  await expect(page.locator('#f-caller-type-self')).toBeFocused();
  await page.keyboard.press('Space');
  await typeInto('Name', 'Alex Example');
  await page.keyboard.press('ControlOrMeta+Enter');
  const summary = page.locator('#finalise-issues');
  await expect(summary).toBeFocused();
  await expect(summary).toContainText('things to complete before finalising');
  await expect(summary.getByRole('link', { name: /Presenting need: Summarise why the person called/ })).toBeVisible();
  await expect(summary.getByRole('link', { name: /Risk to self: Record the risk assessment/ })).toBeVisible();
  await expectAccessible('finalise issues');
  await screenshots('04-finalise-issues');
  // Following an issue's link puts the cursor in that field.
  await summary.getByRole('link', { name: /Presenting need/ }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#f-presentingNeed-summary')).toBeFocused();
});

test('filling the record by keyboard, linking a service from the directory as a referral', async () => {
  await page.keyboard.type('Low mood for weeks, thoughts of ending life tonight; called after an argument at home.');
  await typeInto('Date of birth', '14/02/1990');
  await expect(page.getByTestId('derived-age')).toHaveText(/^\d+ on the day of the call$/);
  await typeInto('NHS number', '943 476 5919');
  await expect(page.getByText('Valid NHS number')).toBeVisible();
  await typeInto('Phone number', '07700 900123');
  await typeInto('Postcode', 'SE5 8AZ');
  await tick('Low mood');
  await tick('Suicidal thoughts');

  // Risk: structured per area, formulation in words.
  await page.locator('#f-risk-toSelf-status-present').focus();
  await page.keyboard.press('Space');
  await tick('Suicidal ideation', '#f-risk-toSelf');
  await tick('Access to means', '#f-risk-toSelf');
  for (const area of ['toOthers', 'fromOthers', 'safeguarding']) {
    await page.locator(`#f-risk-${area}-status-none_identified`).focus();
    await page.keyboard.press('Space');
  }
  await typeInto('Risk formulation', 'Thoughts of suicide with access to medication at home; protective: sister nearby, engaged on the call, agreed safety plan.');
  await tick('Listening and support');
  await tick('Safety plan created');
  await tick('Referral made');

  // The directory follows the record: age and postcode come from it.
  await expect(page.locator('#directory-age')).toHaveValue(/\d+/);
  await page.keyboard.press('Alt+s');
  await page.keyboard.type('crisis team');
  await expect(page.getByTestId('results-count')).toContainText(/services? matching “crisis team”/);
  await page.keyboard.press('Alt+ArrowDown');
  await expect(page.locator('.result--active .result__name')).toBeFocused();
  const chosen = (await page.locator('.result--active .result__name').textContent())!;
  await page.keyboard.press('Alt+r');
  const referrals = page.locator('#sec-referrals');
  await expect(referrals.getByRole('heading', { name: chosen })).toBeVisible();
  await expect(referrals).toContainText(/Ages|All ages/);

  await page.locator('#f-outcome-code-04').focus();
  await page.keyboard.press('Space');
  await tick('A callback is needed');
  await page.getByRole('button', { name: 'In 1 hour' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#f-callback-dueAt')).toHaveValue(/^\d\d\/\d\d\/\d{4} \d\d:\d\d$/);
  await typeInto('Reason for the callback', 'Check the safety plan held overnight.');
  await page.locator('#f-consent-informationSharing-given').focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('ControlOrMeta+s');
  await savedState();
  await expect(page.locator('.readiness')).toContainText('Ready to finalise');
  await page.locator('#record-body').evaluate((el) => el.scrollTo({ top: 0 }));
  await expectAccessible('a filled call record');
  await screenshots('05-filled-call-record');
  await page.locator('#sec-risk').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await screenshots('05b-filled-call-record-risk');
  await page.locator('#sec-referrals').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await screenshots('05c-filled-call-record-referrals-callback');
});

test('autosave persisted it: after a reload the draft is back, exactly as typed', async () => {
  await page.reload();
  await expect(page.getByText('Draft', { exact: true })).toBeVisible();
  await expect(page.locator('#f-caller-name')).toHaveValue('Alex Example');
  await expect(page.locator('#f-caller-dateOfBirth')).toHaveValue('14/02/1990');
  await expect(page.locator('#f-presentingNeed-summary')).toHaveValue(/thoughts of ending life tonight/);
  await expect(page.locator('#f-risk-toSelf-indicators-access_to_means')).toBeChecked();
  await expect(page.locator('#sec-referrals .referral')).toHaveCount(1);
  await savedState();
});

test('autosave without pressing anything: typing is saved within half a second and survives a reload', async () => {
  await page.locator('#f-interventions-notes').focus();
  await page.keyboard.type('Stayed on the line until sister arrived.');
  await expect(page.getByTestId('save-status')).toContainText(/Saved/, { timeout: 3000 });
  await page.waitForTimeout(700);
  await page.reload();
  await expect(page.locator('#f-interventions-notes')).toHaveValue('Stayed on the line until sister arrived.');
});

test('finalising makes the record read-only with its content hash; an addendum can be added', async () => {
  await page.keyboard.press('ControlOrMeta+Enter');
  const dialog = page.getByRole('dialog', { name: 'Finalise this call record?' });
  await expect(dialog).toBeVisible();
  // Finalising cannot be undone, so it is never the default: Enter would go back to the record.
  await expect(dialog.getByRole('button', { name: 'Go back to the record' })).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(dialog.getByRole('button', { name: 'Finalise record' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('.finalised-banner')).toContainText(/content hash [0-9a-f]{16}/);
  await expect(page.locator('#f-caller-name')).toHaveCount(0);
  await expect(page.locator('.record-view')).toContainText('Alex Example');
  // The callback asked for is still owed: the record, the status bar and the list say so.
  await expect(page.getByTestId('callback-owed')).toContainText('Not yet made');
  await expect(page.locator('.status-bar')).toContainText(/Next callback (tomorrow )?\d\d:\d\d/);
  await page.keyboard.press('Alt+l');
  const list = page.getByRole('dialog', { name: 'Calls on this desk' });
  await expect(list.getByRole('heading', { name: 'Callbacks to make (1)' })).toBeVisible();
  await expect(list.locator('.calls__list').first()).toContainText(/Callback due (tomorrow )?\d\d:\d\d/);
  await expectAccessible('the list of calls with a callback to make');
  await screenshots('06a-calls-list-callback-to-make');
  await page.keyboard.press('Escape');
  await expect(list).toBeHidden();
  await page.getByLabel('New addendum').focus();
  await page.keyboard.type('Sister phoned back at 03:10: he is asleep and safe.');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(page.locator('.addendum')).toContainText('Sister phoned back');
  await expect(page.locator('.addendum')).toContainText(/hash [0-9a-f]{12}/);
  await expect(page.locator('.addendum')).not.toContainText('Callback made');
  await expect(page.getByTestId('callback-owed')).toBeVisible();
  await expectAccessible('a finalised record with an addendum');
  await screenshots('06-finalised-with-addendum');

  // The callback is made: an addendum records it, and it is no longer due anywhere.
  await page.getByLabel('New addendum').focus();
  await page.keyboard.type('Called back at 09:05: slept, safety plan held, GP appointment booked.');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('This addendum records the callback as made')).toBeFocused();
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(page.locator('.addendum').nth(1)).toContainText('Callback made');
  await expect(page.getByTestId('callback-owed')).toHaveCount(0);
  await expect(page.locator('#record-body')).toContainText('(recorded in an addendum)');
  await expect(page.getByLabel('This addendum records the callback as made')).toHaveCount(0);
  await expect(page.locator('.status-bar')).not.toContainText('callback');
  await expectAccessible('a finalised record whose callback was recorded as made');
  await screenshots('06b-callback-made-by-addendum');
});

test('discarding a draft asks for a reason, then keeps it out of the list', async () => {
  await page.keyboard.press('Alt+n');
  await expect(page.getByText('Draft', { exact: true })).toBeVisible();
  await page.keyboard.type(' ');
  await typeInto('Name', 'Opened by mistake');
  await page.getByRole('button', { name: 'Discard…' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Discard this draft?' });
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter'); // submit without a reason
  await expect(dialog.getByText('Say why the draft is discarded.')).toBeVisible();
  await expectAccessible('the discard dialog');
  await screenshots('07-discard-dialog');
  await page.getByLabel('Why is it being discarded?').focus();
  await page.keyboard.type('Opened for the wrong call');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(page.getByText('Draft discarded', { exact: true })).toBeVisible();
  await page.keyboard.press('Alt+l');
  const list = page.getByRole('dialog', { name: 'Calls on this desk' });
  await expect(list).toContainText('In progress (0)');
  await expect(list).toContainText('Recently finalised');
  await expectAccessible('the list of calls');
  await screenshots('08-calls-list');
  await page.keyboard.press('Escape');
});

test('the core going away mid-call: typing stays on screen, marked not saved, and is saved when it is back', async () => {
  await page.keyboard.press('Alt+n');
  await expect(page.getByText('Draft', { exact: true })).toBeVisible();
  await page.keyboard.press('Space');
  coreDown = true;
  for (const ws of sockets.splice(0)) await ws.close({ code: 1006, reason: 'host restarting' });
  await expect(page.getByTestId('desk-connection')).toContainText(/^Desk not running since \d\d:\d\d — not saving; typing kept on screen/);
  await page.locator('#f-presentingNeed-summary').focus();
  await page.keyboard.type('Typed while the core was away.');
  await expect(page.getByTestId('save-status')).toContainText('Not saved — the desk is not running');
  await expect(page.getByTestId('save-status')).toContainText('stays on this screen');
  // The sync item claims nothing while the desk is down (it said "All synced" before).
  await expect(page.getByTestId('sync-connection')).not.toContainText(/online|synced/i);
  await expectAccessible('the screen with the core unreachable');
  await screenshots('10-core-unreachable-not-saved');
  await expect(page.locator('#f-presentingNeed-summary')).toHaveValue('Typed while the core was away.');
  coreDown = false;
  await expect(page.getByText('Desk ready', { exact: true })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('save-status')).toContainText(/Saved \d\d:\d\d:\d\d/, { timeout: 15_000 });
  await page.reload();
  await expect(page.locator('#f-presentingNeed-summary')).toHaveValue('Typed while the core was away.');
});

test('the shortcuts help lists every shortcut', async () => {
  await page.keyboard.press('ControlOrMeta+/');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(dialog).toBeVisible();
  for (const keys of ['Alt+N', 'Alt+S', 'Ctrl+S', 'Ctrl+Enter', 'Alt+↓', 'Alt+C', 'Alt+R', 'Esc']) await expect(dialog.locator('.shortcuts').getByText(keys, { exact: true })).toBeVisible();
  await expectAccessible('the shortcuts help');
  await screenshots('09-shortcuts-help');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});

test('the strict CSP refused nothing on any screen (no inline script or style)', () => {
  expect(cspViolations).toEqual([]);
});
