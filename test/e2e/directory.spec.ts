import { expect, test, type Locator, type Page } from '@playwright/test';
import { startDeskHost, type DeskHost } from './desk-host';
import { expectAccessible, screenshots, SIZES, watchPage } from './screen-checks';

/*
 * The directory as a clinician uses it, end to end through a real core and browser host (the
 * generated 3,000-service directory, seed 1) in Debian's Chromium, by keyboard: each call starts
 * clean; "open at"; why each result serves the caller, and the order that follows; a postcode in
 * Scotland or Northern Ireland; the Type, route pop-up; a desk with no directory.
 */

let host: DeskHost;
let page: Page;
const cspViolations: string[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  host = await startDeskHost();
  const context = await browser.newContext({ viewport: SIZES[0], locale: 'en-GB', timezoneId: 'Europe/London' });
  page = await context.newPage();
  watchPage(page, cspViolations);
  await page.goto(host.url);
  await expect(page.getByText('Desk ready', { exact: true })).toBeVisible();
});

test.afterAll(async () => {
  await page?.context().close();
  await host?.stop();
});

const count = () => page.getByTestId('results-count');

/** Types into a field reached by its shortcut, replacing what it held. */
async function typeAt(shortcut: string, text: string) {
  await page.keyboard.press(shortcut);
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(text);
}

/** Every result of the current search, walked with Alt+↓ (the list is virtualised): name, open badge, catchment line and its tone. */
async function walkResults(max = 60) {
  const total = Number((await count().textContent())!.match(/^([\d,]+) service/)![1]!.replace(/,/g, ''));
  const seen: { name: string; open: string; catchment: string; tone: string }[] = [];
  for (let i = 0; i < Math.min(total, max); i++) {
    await page.keyboard.press('Alt+ArrowDown');
    const card = page.locator(`[role="listitem"][aria-posinset="${i + 1}"] .result`);
    await expect(card).toHaveClass(/result--active/);
    const line = card.getByTestId('catchment');
    seen.push({
      name: (await card.locator('.result__name').textContent())!.trim(),
      open: (await card.locator('.open-badge strong').textContent())!.trim(),
      catchment: (await line.textContent())!.trim(),
      tone: (await line.getAttribute('class'))!.replace(/.*result__catchment--(\w+).*/, '$1'),
    });
  }
  return seen;
}

test('every result says how it serves the caller’s postcode, and those that serve the caller come first', async () => {
  await page.keyboard.press('Alt+n');
  await expect(page.getByText('Draft', { exact: true })).toBeVisible();
  await page.getByLabel('Postcode', { exact: true }).focus();
  await page.keyboard.type('SE5 8AZ');
  await page.getByLabel('Age', { exact: true }).focus();
  await page.keyboard.type('15');
  // The directory follows the record.
  await expect(page.locator('#directory-postcode')).toHaveValue('SE5 8AZ');
  await expect(page.locator('#directory-age')).toHaveValue('15');
  await typeAt('Alt+s', 'crisis line');
  await expect(count()).toContainText(/\d+ services? matching “crisis line”, taking age 15, within 25 km of SE5 8AZ or covering it/);

  const results = await walkResults();
  expect(results.length).toBeGreaterThan(4);
  const RANK: Record<string, number> = { serves: 0, check: 1, national: 2 };
  for (const r of results) expect(r.catchment, r.name).toMatch(/^(Serves the caller: its area covers (SE5|all of SE)|Site nearby|Site .* but its area does not include SE5|National service)/);
  for (let i = 1; i < results.length; i++) {
    const a = results[i - 1]!, b = results[i]!;
    if (a.open === b.open) expect(RANK[a.tone]!, `${a.name} (${a.tone}) before ${b.name} (${b.tone})`).toBeLessThanOrEqual(RANK[b.tone]!);
  }
  // The young people's line that covers SE5 comes before every national line open at the same time.
  const local = results.findIndex((r) => /Young People's Crisis Line/.test(r.name) && r.tone === 'serves');
  const national = results.findIndex((r) => r.tone === 'national' && r.open === results[local]!.open);
  expect(local).toBeGreaterThanOrEqual(0);
  if (national >= 0) expect(local).toBeLessThan(national);

  await page.keyboard.press('Alt+s');
  await expectAccessible(page, 'results with their catchment');
  await screenshots(page, 'directory-01-catchment-order');
});

test('open at: “tonight 02:00” judges every result then, says so, and goes back to now', async () => {
  await typeAt('Alt+t', 'tonight 02:00');
  const judged = page.getByTestId('judged-at');
  await expect(judged).toContainText(/Open and closed as at \w{3} \d+ \w{3} 02:00 \(in .*\), not now/);
  await page.keyboard.press('Alt+o');
  await expect(page.getByLabel(/Open then/)).toBeChecked();
  await expect(count()).toContainText(/services? matching “crisis line”, open at \w{3} \d+ \w{3} 02:00, taking age 15/);
  const badges = page.locator('.result .open-badge strong');
  await expect(badges.first()).toHaveText('Open at 02:00');
  for (const text of await badges.allTextContents()) expect(text).toBe('Open at 02:00');
  await expect(page.locator('.result .open-badge')).not.toContainText(['Open now']);

  // The details say the same as the card.
  await page.keyboard.press('Alt+ArrowDown');
  await expect(page.locator('.result--active .result__name')).toBeFocused();
  await page.keyboard.press('Enter');
  const details = page.getByRole('dialog');
  await expect(details).toBeVisible();
  await expect(details.locator('.details, .inline-alert--error').first()).toBeVisible();
  await expect(details.locator('.inline-alert--error')).toHaveCount(0);
  await expect(details.locator('.open-badge strong')).toHaveText('Open at 02:00');
  await page.keyboard.press('Escape');
  await expect(details).toBeHidden();
  await expect(page.locator('.result--active .result__name')).toBeFocused();

  await expectAccessible(page, 'open at tonight 02:00');
  await screenshots(page, 'directory-02-open-at-tonight');

  // A day and time typed another way; then something that is not a time.
  await typeAt('Alt+t', 'sat 10am');
  await expect(judged).toContainText(/as at Sat \d+ \w{3} 10:00/);
  await expect(badges.first()).toHaveText(/^(Open|Closed) at 10:00$/);
  await typeAt('Alt+t', 'later on');
  await expect(page.locator('#directory-open-at-reading')).toContainText('“later” is not understood');
  await expect(page.locator('#directory-open-at-reading')).toContainText('Results are for now');
  await expect(count()).toContainText('open now');
  // Esc in the field: back to now.
  await page.keyboard.press('Escape');
  await expect(page.locator('#directory-open-at')).toHaveValue('');
  await expect(judged).toHaveCount(0);
  await expect(page.getByLabel(/Open now/)).toBeChecked();
  await expect(badges.first()).toHaveText(/^(Open now|Closed)$/);
  await page.keyboard.press('Alt+o');
});

test('referring a result puts the cursor in the new referral’s notes; Alt+↓ goes on through the results', async () => {
  await page.keyboard.press('Alt+ArrowDown');
  const chosen = (await page.locator('.result--active .result__name').textContent())!.trim();
  await page.keyboard.press('Alt+r');
  const referral = page.locator('#sec-referrals .referral').last();
  await expect(referral.getByRole('heading', { name: chosen })).toBeVisible();
  await expect(referral.getByLabel('Notes')).toBeFocused();
  await page.keyboard.type('Gave the number; caller will ring tonight.');
  await page.keyboard.press('Alt+ArrowDown');
  await expect(page.locator('.result--active .result__name')).toBeFocused();
  await expect(referral.getByLabel('Notes')).toHaveValue('Gave the number; caller will ring tonight.');
});

test('the Type, route pop-up closes on Esc (back to its button) and on a click outside', async () => {
  const popup = page.locator('details.picker');
  const button = popup.locator('summary');
  await button.focus();
  await page.keyboard.press('Enter');
  await expect(popup).toHaveAttribute('open', '');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Crisis helpline', { exact: true })).toBeFocused();
  await page.keyboard.press('Space');
  await expect(popup.locator('.picker__value')).toHaveText('1 type');
  await page.keyboard.press('Escape');
  await expect(popup).not.toHaveAttribute('open', '');
  await expect(button).toBeFocused();
  await button.click();
  await expect(popup).toHaveAttribute('open', '');
  await page.locator('.results').click({ position: { x: 5, y: 5 } });
  await expect(popup).not.toHaveAttribute('open', '');
  await button.focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space'); // untick again
  await page.keyboard.press('Escape');
  await expect(popup.locator('.picker__value')).toHaveText('Any');
});

test('a new call starts the directory clean: nothing of the previous caller’s search, postcode, filters or time', async () => {
  // The first caller's search as it stands: text, postcode, age, open now, a time.
  await typeAt('Alt+t', 'tomorrow 09:00');
  await page.keyboard.press('Alt+o');
  await typeAt('Alt+p', 'SE15 5');
  await expect(count()).toContainText('within 25 km of SE15 5');

  await page.keyboard.press('Alt+n');
  await expect(page.locator('#f-caller-type-self')).toBeFocused();
  await expect(page.locator('#directory-search')).toHaveValue('');
  await expect(page.locator('#directory-postcode')).toHaveValue('');
  await expect(page.locator('#directory-age')).toHaveValue('');
  await expect(page.locator('#directory-open-at')).toHaveValue('');
  await expect(page.locator('#directory-open-now')).not.toBeChecked();
  await expect(page.locator('details.picker .picker__value')).toHaveText('Any');
  await expect(page.locator('.result')).toHaveCount(0);
  await expect(page.getByText('Find a service for the caller')).toBeVisible();
  await expectAccessible(page, 'a new call, the directory clean');
  await screenshots(page, 'directory-03-new-call-clean');

  // The new caller's postcode, typed in the record, is what the directory searches near.
  await page.getByLabel('Postcode', { exact: true }).focus();
  await page.keyboard.type('M1 1AE');
  await expect(count()).toContainText('within 25 km of M1 1AE');

  // Resuming the first call brings back its own postcode and age, and nothing typed for it before.
  await page.keyboard.press('Alt+l');
  const list = page.getByRole('dialog', { name: 'Calls on this desk' });
  await list.locator('.calls__list').first().locator('button.calls__open:not([aria-current])').focus();
  await page.keyboard.press('Enter');
  await expect(list).toBeHidden();
  await expect(page.locator('#directory-postcode')).toHaveValue('SE5 8AZ');
  await expect(page.locator('#directory-age')).toHaveValue('15');
  await expect(page.locator('#directory-search')).toHaveValue('');
  await expect(page.locator('#directory-open-at')).toHaveValue('');
  await expect(page.locator('#directory-open-now')).not.toBeChecked();
  await expect(count()).toContainText(/^\d+ services? taking age 15, within 25 km of SE5 8AZ or covering it$/);
});

async function nationNotice(): Promise<Locator> {
  const notice = page.getByTestId('nation-notice');
  await expect(notice).toBeVisible();
  return notice;
}

test('a postcode in Scotland says so, with NHS 24 on 111, and never shows English services as local', async () => {
  await typeAt('Alt+p', 'DG1 1AA');
  const notice = await nationNotice();
  await expect(notice.getByRole('heading', { name: 'DG1 1AA is in Scotland' })).toBeVisible();
  await expect(notice).toContainText('NHS 24 on 111');
  await expect(notice).toContainText('services in England only');
  await expect(notice.getByRole('button', { name: /Copy 111/ })).toBeVisible();
  // Only national services so far north, and each one says it is national.
  const lines = page.locator('.result [data-testid="catchment"]');
  await expect(lines.first()).toBeVisible();
  for (const text of await lines.allTextContents()) expect(text).toMatch(/^National service/);
  await expectAccessible(page, 'a Scottish postcode');
  await screenshots(page, 'directory-04-scottish-postcode');

  await typeAt('Alt+p', 'cf10 1ep');
  await expect((await nationNotice()).getByRole('heading', { name: 'CF10 1EP is in Wales' })).toBeVisible();
  await expect(page.getByTestId('nation-notice')).toContainText('NHS 111 Wales, press 2');

  await typeAt('Alt+p', 'SY10');
  await expect((await nationNotice()).getByRole('heading', { name: 'SY10 is partly in Wales' })).toBeVisible();
  await expect(page.getByTestId('nation-notice')).toContainText('ask the caller for their full postcode');
});

test('a Northern Ireland postcode says so, with Lifeline, and lists no services', async () => {
  await typeAt('Alt+p', 'BT7 1NN');
  const notice = await nationNotice();
  await expect(notice.getByRole('heading', { name: 'BT7 1NN is in Northern Ireland' })).toBeVisible();
  await expect(notice).toContainText('Lifeline');
  await expect(notice.getByRole('button', { name: /Copy 0808 808 8000/ })).toBeVisible();
  await expect(notice).toContainText('GP out of hours');
  await expect(count()).toContainText('No services: BT7 1NN is in Northern Ireland');
  await expect(page.locator('.result')).toHaveCount(0);
  await expect(page.locator('#directory-postcode')).not.toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page, 'a Northern Ireland postcode');
  await screenshots(page, 'directory-05-northern-ireland-postcode');
});

test('a desk with no directory says there is none yet and how it comes, never “0 services within 25 km”', async ({ browser }) => {
  const empty = await startDeskHost({ services: 0 });
  const context = await browser.newContext({ viewport: SIZES[0], locale: 'en-GB', timezoneId: 'Europe/London' });
  try {
    const p = await context.newPage();
    await p.goto(empty.url);
    await expect(p.getByTestId('no-directory')).toContainText('No directory on this desk yet');
    await p.keyboard.press('Alt+p');
    await p.keyboard.type('SE5 8AZ');
    await expect(p.getByTestId('results-count')).toHaveText('No directory on this desk yet: nothing can be searched until it arrives.');
    await expect(p.getByTestId('no-directory')).toContainText('not a sign that there is nothing near the caller');
    await expect(p.getByTestId('no-directory')).toContainText('no server to download it from');
    await expect(p.getByText(/0 services within/)).toHaveCount(0);
    await expectAccessible(p, 'a desk with no directory');
    await screenshots(p, 'directory-06-no-directory');
  } finally {
    await context.close();
    await empty.stop();
  }
});

test('a new search starts at the top of its results, however far down the last one was read', async () => {
  // As a clinician begins a new call: a postcode, a word, then reads down the list.
  await page.keyboard.press('Alt+n');
  await page.getByLabel('Postcode', { exact: true }).focus();
  await page.keyboard.type('SE5 8AZ');
  await typeAt('Alt+s', 'crisis');
  await expect(count()).toContainText(/services? matching “crisis”, within 25 km of SE5 8AZ/);
  for (let i = 0; i < 12; i++) await page.keyboard.press('Alt+ArrowDown');
  await expect(page.locator('[role="listitem"][aria-posinset="12"] .result')).toHaveClass(/result--active/);
  const region = page.getByRole('region', { name: 'Search results' });
  expect(await region.evaluate((e) => e.scrollTop)).toBeGreaterThan(0);
  // A new search: one letter lists every service near SE5. Its first cards, measured while the list
  // still thought itself far down, used to scroll it back there (the nearest services out of sight).
  await typeAt('Alt+s', 's');
  await expect(count()).toContainText(/^[\d,]+ services within 25 km of SE5 8AZ/);
  await page.waitForTimeout(600);
  expect(await region.evaluate((e) => e.scrollTop)).toBe(0);
  // Typed on at a clinician's pace, each key a new search: the nearest of the new results in sight.
  await page.keyboard.type('afe haven');
  await expect(count()).toContainText(/services? matching “safe haven”/);
  await page.waitForTimeout(1000);
  expect(await region.evaluate((e) => e.scrollTop)).toBe(0);
  await expect(page.locator('[role="listitem"][aria-posinset="1"]')).toBeInViewport();
});

test('the strict CSP refused nothing on the directory screens', () => {
  expect(cspViolations).toEqual([]);
});
