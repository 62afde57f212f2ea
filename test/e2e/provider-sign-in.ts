import { expect, type Page } from '@playwright/test';
import { expectAccessible, screenshots } from './screen-checks';

export const DEMO_PASSWORD = 'demo-password';

/**
 * Signs in through the server's own sign-in page, opened in a new tab by `trigger` (as the screen
 * does), choosing the demo user `username`.
 */
export async function signInThroughProvider(p: Page, trigger: () => Promise<void>, username: string, shot?: string): Promise<void> {
  const [tab] = await Promise.all([p.context().waitForEvent('page'), trigger()]);
  await tab.waitForLoadState();
  await expect(tab.getByRole('heading', { name: 'Sign in to Crisis Desk' })).toBeVisible();
  await tab.locator(`input[name="username"][value="${username}"]`).check();
  await tab.getByLabel('Password').fill(DEMO_PASSWORD);
  if (shot) {
    await expectAccessible(tab, 'the server’s sign-in page');
    await screenshots(tab, shot);
  }
  await tab.getByRole('button', { name: 'Sign in' }).click();
  await expect(tab.getByRole('heading', { name: 'Signed in' })).toBeVisible();
  await tab.close();
}
