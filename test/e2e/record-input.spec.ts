import { expect, test, type Locator, type Page, type WebSocketRoute } from '@playwright/test';
import { startDeskHost, type DeskHost } from './desk-host';
import { expectAccessible as expectAccessibleOn, screenshots as screenshotsOf, SIZES } from './screen-checks';

/*
 * The call record in real use, through a real core and browser host in Debian's Chromium at
 * 1366×768: one over-long field never stops the rest from saving (H29), bad input gets
 * one clear message at its field (H31), a whole call is done by keyboard alone with focus where the
 * next keystroke belongs at every step (H32), the page never scrolls off its header, and the status
 * bar fits in every state.
 */

let host: DeskHost;
let page: Page;
let coreDown = false;
/** A sync status to show instead of the core's (to see the status bar in every state). */
let statusOverride: Record<string, unknown> | null = null;
/** Summaries added to the list of calls the core answers (callbacks overdue, for the status bar). */
let extraCalls: Record<string, unknown>[] = [];
const sockets: WebSocketRoute[] = [];

const screenshots = (name: string) => screenshotsOf(page, name);
const expectAccessible = (what: string) => expectAccessibleOn(page, what);

/** Presses Tab (or Shift+Tab) until `target` has focus; fails if it is not reached within `max` presses. */
async function tabTo(target: Locator, { back = false, max = 80 } = {}) {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  await expect(target).toBeFocused();
}

/** Focus is somewhere a keystroke does something for the call: never the page itself or the header. */
async function expectFocusInWork() {
  const where = await page.evaluate(() => {
    const a = document.activeElement;
    if (!a || a === document.body) return 'the page';
    if (a.closest('.app-header')) return `the header (${a.textContent?.trim()})`;
    return 'ok';
  });
  expect(where).toBe('ok');
}

/** The field (label, messages, input, counter) around an input. */
const fieldOf = (id: string) => page.locator(id).locator('xpath=ancestor::div[contains(concat(" ", @class, " "), " field ")][1]');

async function savedState() {
  await expect(page.getByTestId('save-status')).toContainText(/^Saved \d\d:\d\d:\d\d/);
  await expect(page.getByTestId('save-status')).not.toContainText(/except|Not saved/);
}

/** "dd/mm/yyyy hh:mm" in London for now plus `minutes`. */
function londonText(minutes: number): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(
    new Date(Date.now() + minutes * 60_000),
  );
  const p = (t: string) => parts.find((x) => x.type === t)!.value;
  return `${p('day')}/${p('month')}/${p('year')} ${p('hour')}:${p('minute')}`;
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  host = await startDeskHost();
  const context = await browser.newContext({ viewport: SIZES[0], locale: 'en-GB', timezoneId: 'Europe/London' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(host.url).origin });
  page = await context.newPage();
  page.on('pageerror', (e) => {
    throw e;
  });
  await page.routeWebSocket(/\/contract$/, (ws) => {
    if (coreDown) return ws.close({ code: 1006, reason: 'core down' });
    const core = ws.connectToServer();
    core.onMessage((raw) => {
      const m = JSON.parse(String(raw)) as { kind: string; event?: string; payload?: unknown; envelope?: { ok: boolean; value?: unknown } };
      if (statusOverride && m.kind === 'event' && m.event === 'sync.status') m.payload = statusOverride;
      const v = m.envelope?.ok ? m.envelope.value : undefined;
      if (statusOverride && v && typeof v === 'object' && 'connection' in v && 'waiting' in v) m.envelope!.value = statusOverride;
      if (extraCalls.length && Array.isArray(v) && (v.length === 0 || 'callerLabel' in (v[0] as object))) m.envelope!.value = [...v, ...extraCalls];
      ws.send(JSON.stringify(m));
    });
    sockets.push(ws);
  });
  await page.goto(host.url);
  await expect(page.getByRole('heading', { name: 'Call record' })).toBeVisible();
});

test.afterAll(async () => {
  await page?.context().close();
  await host?.stop();
});

test('a pasted 100,000-character summary, then typing elsewhere: all of it saved, and there after a reload', async () => {
  await page.keyboard.press('Alt+n');
  await expect(page.locator('#f-caller-type-self')).toBeFocused();
  const pasted = 'Synthetic pasted note about the call. '.repeat(2632).slice(0, 100_000);
  await page.evaluate((t) => navigator.clipboard.writeText(t), pasted);
  await page.locator('#f-presentingNeed-summary').focus();
  await page.keyboard.press('ControlOrMeta+v');
  await expect(page.locator('#f-presentingNeed-summary')).toHaveValue(pasted);
  await expect(page.locator('#f-presentingNeed-summary-count')).toHaveText('Error: 95,000 characters too many to finalise (5,000 at most): shorten it before finalising.');
  // Typing elsewhere afterwards.
  await tabTo(page.locator('#f-caller-name'), { back: true });
  await page.keyboard.type('Sam Synthetic');
  await page.locator('#f-risk-formulation').focus();
  await page.keyboard.type('Typed after the paste.');
  await savedState();
  await page.locator('#f-presentingNeed-summary').evaluate((el) => el.closest('.field')!.scrollIntoView({ block: 'center' }));
  await expectAccessible('a summary over its limit');
  await screenshots('20-summary-over-limit');

  await page.reload();
  await expect(page.locator('#f-caller-name')).toHaveValue('Sam Synthetic');
  await expect(page.locator('#f-risk-formulation')).toHaveValue('Typed after the paste.');
  expect(await page.locator('#f-presentingNeed-summary').inputValue()).toBe(pasted);
  await savedState();

  // Finalising names the summary and how much to cut; the draft keeps it all.
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(page.locator('#finalise-issues')).toBeFocused();
  await expect(page.locator('#finalise-issues')).toContainText('Presenting need: Too long to finalise: 100,000 characters, and a finalised record holds at most 5,000 here. Shorten it by 95,000');
});

test('past what a draft can hold at all, a paste stays on screen marked not saved, and every other field still saves', async () => {
  await page.evaluate((t) => navigator.clipboard.writeText(t), 'x'.repeat(1_200_000));
  await page.locator('#f-presentingNeed-summary').focus();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('ControlOrMeta+v');
  await page.locator('#f-caller-phone').focus();
  await page.keyboard.type('07700 900123');
  const status = page.getByTestId('save-status');
  await expect(status).toContainText(/Saved \d\d:\d\d:\d\d except Presenting need: too long to save/);
  await expect(fieldOf('#f-presentingNeed-summary')).toContainText('Too long to save: a draft holds about a million characters in all.');
  await page.reload();
  await expect(page.locator('#f-caller-phone')).toHaveValue('07700 900123');
  // What was held back is the summary as it was last saved.
  expect(await page.locator('#f-presentingNeed-summary').inputValue()).toHaveLength(100_000);
});

test('bad input in the record: one clear message at its field, and nothing stops the record saving', async () => {
  await page.keyboard.press('Alt+n');
  await expect(page.locator('#f-caller-type-self')).toBeFocused();
  // Letters cannot be typed into the NHS number.
  await page.locator('#f-caller-nhsNumber').focus();
  await page.keyboard.type('943 476 5910abc');
  await expect(page.locator('#f-caller-nhsNumber')).toHaveValue('943 476 5910');
  await expect(page.locator('#f-caller-nhsNumber-filtered')).toHaveText(/Only digits can be typed here/);
  const nhsField = fieldOf('#f-caller-nhsNumber');
  await expect(nhsField.locator('.field__error > span')).toHaveText(['Error: This is not a valid NHS number (its last digit does not match the other nine): check the 10 digits with the caller.']);
  // A date of birth in the future says so (not “wrong format”), and gives no age.
  await page.locator('#f-caller-dateOfBirth').focus();
  await page.keyboard.type('01/01/2099');
  const dobField = fieldOf('#f-caller-dateOfBirth');
  await expect(dobField.locator('.field__error')).toHaveText('Error: This date of birth is in the future (after the day of the call): check it with the caller.');
  await expect(page.locator('#f-caller-ageYears')).toBeVisible();
  // A real one shows the age, worked out on the day of the call.
  await page.locator('#f-caller-dateOfBirth').fill('');
  await page.locator('#f-caller-dateOfBirth').focus();
  await page.keyboard.type('29/02/2000');
  await expect(page.getByTestId('derived-age')).toHaveText(/^\d+ on the day of the call$/);
  // The caller's postcode is checked as the directory checks its own: a warning, not a block.
  await page.locator('#f-caller-postcode').focus();
  await page.keyboard.type('ZZ9 9ZZ');
  await expect(page.locator('#f-caller-postcode-warning')).toHaveText(/ZZ9 9ZZ is not a known postcode in Great Britain\. Check it with the caller; it is kept as typed\./);
  await savedState();
  await page.locator('#record-body').evaluate((el) => el.scrollTo({ top: 0 }));
  await expectAccessible('bad input at the caller’s fields');
  await screenshots('21-bad-input-caller');

  // A callback due in the past blocks finalising, unless it has been made.
  await page.locator('#f-callback-required').focus();
  await page.keyboard.press('Space');
  await page.locator('#f-callback-dueAt').focus();
  await page.keyboard.type(londonText(-60));
  const dueField = fieldOf('#f-callback-dueAt');
  await expect(dueField.locator('.field__error')).toHaveText(/This time has passed: set when the callback is now due, or record that the callback has been made\./);
  await page.keyboard.press('ControlOrMeta+Enter');
  const issues = page.locator('#finalise-issues');
  await expect(issues.getByRole('link', { name: /Callback: This time has passed/ })).toBeVisible();
  await expect(dueField.locator('.field__error > span')).toHaveCount(1);
  await page.locator('#f-callback-completedAt').focus();
  await page.keyboard.press('Space');
  await expect(issues.getByRole('link', { name: /This time has passed/ })).toHaveCount(0);
  await expect(dueField.locator('.field__error')).toHaveCount(0);
  await page.locator('#sec-callback').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await expectAccessible('a callback recorded as made');
  await screenshots('22-callback-made');
});

test('following a finalise issue or a section link scrolls only the record, never the page off its header', async () => {
  await page.keyboard.press('ControlOrMeta+Enter');
  const issues = page.locator('#finalise-issues');
  await expect(issues).toBeFocused();
  for (const link of await issues.getByRole('link').all()) {
    await link.click();
    expect(await page.evaluate(() => [window.scrollY, document.scrollingElement!.scrollTop])).toEqual([0, 0]);
    expect(await page.locator('.app-header').evaluate((el) => el.getBoundingClientRect().top)).toBe(0);
    expect(await page.locator('.status-bar').evaluate((el) => Math.round(el.getBoundingClientRect().bottom))).toBe(SIZES[0].height);
    await issues.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  }
  for (const name of ['Consent', 'Risk', 'Caller']) {
    await page.getByRole('navigation', { name: 'Sections of the record' }).getByRole('link', { name }).click();
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    await expect(page.locator('.record-header')).toBeInViewport();
  }
  await screenshots('23-after-following-issue-links');
});

test('a whole call by keyboard alone, from a new call to the finalised record and its addendum, focus where the next key belongs', async () => {
  await page.keyboard.press('Alt+n');
  const self = page.locator('#f-caller-type-self');
  await expect(self).toBeFocused();
  await page.keyboard.press('Space');
  await expect(self).toBeChecked();
  await tabTo(page.locator('#f-caller-name'));
  await page.keyboard.type('Alex Keyboard');
  await page.keyboard.press('Tab');
  await expect(page.locator('#f-caller-dateOfBirth')).toBeFocused();
  await page.keyboard.type('14/02/1990');
  await page.keyboard.press('Tab');
  // The age is worked out, not typed: the next stop is the NHS number.
  await expect(page.locator('#f-caller-nhsNumber')).toBeFocused();
  await page.keyboard.type('943 476 5919');
  await expect(page.getByText('Valid NHS number')).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.locator('#f-caller-phone')).toBeFocused();
  await page.keyboard.type('07700 900123');
  await tabTo(page.locator('#f-presentingNeed-summary'));
  await page.keyboard.type('Low mood after losing work; wanted to talk it through.');
  for (const area of ['toSelf', 'toOthers', 'fromOthers', 'safeguarding']) {
    await tabTo(page.locator(`#f-risk-${area}-status-not_assessed`));
    await page.keyboard.press('ArrowRight');
    await expect(page.locator(`#f-risk-${area}-status-none_identified`)).toBeChecked();
  }
  await tabTo(page.locator('#f-risk-formulation'));
  await page.keyboard.type('No current risk; protective factors: partner, plans for the weekend.');
  await tabTo(page.locator('#f-interventions-items-listening_support'));
  await page.keyboard.press('Space');
  await tabTo(page.locator('#f-outcome-code-01'));
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('#f-outcome-code-02')).toBeChecked();
  await tabTo(page.locator('#f-callback-required'));
  await page.keyboard.press('Space');
  await tabTo(page.getByRole('button', { name: 'Tomorrow 09:00' }));
  await page.keyboard.press('Enter');
  await expect(page.locator('#f-callback-dueAt')).toHaveValue(/^\d\d\/\d\d\/\d{4} 09:00$/);
  await tabTo(page.locator('#f-consent-informationSharing-not_asked'));
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#f-consent-informationSharing-given')).toBeChecked();
  await page.keyboard.press('ControlOrMeta+s');
  await savedState();
  await expect(page.locator('.readiness')).toContainText('Ready to finalise');

  // The confirmation opens on the safe button; Esc closes it and puts focus back where it was.
  await page.keyboard.press('ControlOrMeta+Enter');
  const dialog = page.getByRole('dialog', { name: 'Finalise this call record?' });
  await expect(dialog.getByRole('button', { name: 'Go back to the record' })).toBeFocused();
  await expectAccessible('the finalise confirmation');
  await screenshots('24-finalise-confirmation');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.locator('#f-consent-informationSharing-given')).toBeFocused();

  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(dialog.getByRole('button', { name: 'Go back to the record' })).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(dialog.getByRole('button', { name: 'Finalise record' })).toBeFocused();
  await page.keyboard.press('Enter');
  // Finalised: focus on its status line, then Close record, then the addendum.
  await expect(page.locator('#record-status')).toBeFocused();
  await expect(page.locator('#record-status')).toContainText(/Finalised .* content hash/);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Close record' })).toBeFocused();
  await tabTo(page.getByLabel('New addendum'));
  await page.keyboard.type('Partner rang back: he is at home and safe.');
  await tabTo(page.getByRole('button', { name: 'Add addendum' }));
  await page.keyboard.press('Enter');
  await expect(page.locator('.addendum')).toContainText('Partner rang back');
  await expect(page.getByLabel('New addendum')).toBeFocused();
  await expect(page.getByLabel('New addendum')).toHaveValue('');
  await expectFocusInWork();
  await expectAccessible('a finalised record after an addendum, by keyboard');
  await screenshots('25-keyboard-finalised-with-addendum');

  // The list of calls opens on a call; Esc puts focus back in the addendum box.
  await page.keyboard.press('Alt+l');
  const list = page.getByRole('dialog', { name: 'Calls on this desk' });
  await expect(list.locator('.calls__open').first()).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByLabel('New addendum')).toBeFocused();

  // Close the record: the next key starts a call.
  await tabTo(page.getByRole('button', { name: 'Close record' }), { back: true });
  await page.keyboard.press('Enter');
  await expect(page.locator('#start-call')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#f-caller-type-self')).toBeFocused();

  // Discard it: the dialog opens on the reason, never on the button that discards.
  await tabTo(page.getByRole('button', { name: 'Discard…' }), { back: true });
  await page.keyboard.press('Enter');
  const discard = page.getByRole('dialog', { name: 'Discard this draft?' });
  await expect(discard.getByLabel('Why is it being discarded?')).toBeFocused();
  await page.keyboard.type('Started by mistake');
  await page.keyboard.press('Tab');
  await expect(discard.getByRole('button', { name: 'Discard draft' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(discard).toBeHidden();
  await expect(page.locator('#start-call')).toBeFocused();

  // Open the finalised call from the list: focus lands on its status line.
  await page.keyboard.press('Alt+l');
  await tabTo(list.locator('.calls__open', { hasText: /outcome 02/ }).first());
  await page.keyboard.press('Enter');
  await expect(list).toBeHidden();
  await expect(page.locator('#record-status')).toBeFocused();
  await expectFocusInWork();
});

test('dialogs close on a click outside them, and focus goes back where it was', async () => {
  await page.getByRole('button', { name: 'Close record' }).focus();
  await page.keyboard.press('Alt+l');
  const list = page.getByRole('dialog', { name: 'Calls on this desk' });
  await expect(list).toBeVisible();
  // A click inside does not close it; one on the backdrop does.
  await list.getByRole('heading', { name: 'Calls on this desk' }).click();
  await expect(list).toBeVisible();
  await page.mouse.click(8, 400);
  await expect(list).toBeHidden();
  await expect(page.getByRole('button', { name: 'Close record' })).toBeFocused();
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toBeVisible();
  await page.mouse.click(1360, 760);
  await expect(help).toBeHidden();
});

test('the status bar fits 1366 px in every state: all at once, and with the desk’s core unreachable', async () => {
  // As it usually is (a callback due, sync not set up), only the directory's line may be shortened.
  const shortened = () =>
    page.locator('.status-bar').evaluate((bar) =>
      [...bar.querySelectorAll<HTMLElement>('.status-item, .status-button')].filter((el) => el.scrollWidth > el.clientWidth + 1 && !el.matches('.status-item--directory')).map((el) => el.textContent),
    );
  const now = Date.now();
  const owed = (i: number, dueInMs: number) => ({
    id: `0190f0f0-0000-7000-8000-00000000000${i}`,
    status: 'finalised',
    revision: 3,
    startedAt: new Date(now - 86_400_000).toISOString(),
    updatedAt: new Date(now - 86_400_000).toISOString(),
    callerLabel: 'Anonymous caller',
    outcomeCode: '02',
    callbackDueAt: new Date(now + dueInMs).toISOString(),
  });
  extraCalls = [owed(9, 86_400_000)];
  await page.reload();
  await expect(page.locator('.status-bar')).toContainText(/Next callback tomorrow \d\d:\d\d/);
  expect(await shortened()).toEqual([]);

  statusOverride = {
    connection: 'offline',
    offlineSince: new Date(now - 3_600_000).toISOString(),
    activity: 'idle',
    waiting: 1234,
    lastSyncedAt: new Date(now - 7_200_000).toISOString(),
    conflicts: 12,
    rejected: 7,
    paused: null,
    signedIn: true,
    userName: 'Dr Alexandra Synthetic-Longname',
    directoryProgress: null,
    lastRefusal: null,
    session: { user: { userId: 'synthetic-longname', displayName: 'Dr Alexandra Synthetic-Longname', trustId: 'demo-south', teamId: 'demo-south-day', roles: ['clinician'] }, state: 'signed_in' },
    queues: [{ author: { userId: 'synthetic-longname', displayName: 'Dr Alexandra Synthetic-Longname' }, waiting: 1234, state: 'sending', reason: null }],
  };
  extraCalls = [1, 2, 3].map((i) => owed(i, -i * 3_600_000));
  await page.reload();
  await expect(page.getByTestId('sync-conflicts')).toBeVisible();
  const fits = () =>
    page.locator('.status-bar').evaluate((bar) => {
      const edge = bar.getBoundingClientRect();
      const items = [...bar.querySelectorAll<HTMLElement>(':scope > :not(.visually-hidden):not(.spacer), .sync-status > :not(.visually-hidden)')];
      return {
        barFits: bar.scrollWidth <= bar.clientWidth,
        cut: items.filter((el) => el.getBoundingClientRect().right > edge.right + 0.5).map((el) => el.textContent),
        vanished: items.filter((el) => el.getBoundingClientRect().width < 20).map((el) => el.textContent),
      };
    });
  expect(await fits()).toEqual({ barFits: true, cut: [], vanished: [] });
  await expect(page.locator('.status-bar')).toContainText('3 callbacks overdue');
  await screenshots('26-status-bar-everything-at-once');

  coreDown = true;
  for (const s of sockets.splice(0)) await s.close({ code: 1006, reason: 'core down' });
  await expect(page.locator('.status-bar')).toContainText(/Desk not running since \d\d:\d\d/);
  expect(await fits()).toEqual({ barFits: true, cut: [], vanished: [] });
  await page.setViewportSize(SIZES[0]);
  await page.screenshot({ path: 'test-results/ui/27-status-bar-core-unreachable-1366x768.png' });
  coreDown = false;
  statusOverride = null;
  extraCalls = [];
});
