import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** Screenshots of each screen at a trust desk's two common sizes, to test-results/ui/. */
export const SHOTS = path.resolve(import.meta.dirname, '../../test-results/ui');
export const SIZES = [
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
] as const;
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await page.waitForTimeout(150);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${size.width}x${size.height}.png`) });
  }
  await page.setViewportSize(SIZES[0]);
}

/** axe (WCAG 2.2 AA and best practice) on what the page shows now: no violations. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const summary = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`);
  expect(summary, `axe on ${what}`).toEqual([]);
}

/** Fails the test on any uncaught error in the page, and keeps what the Content Security Policy refused (each spec's CSP test reads it). */
export function watchPage(page: Page, cspViolations: string[]): void {
  page.on('pageerror', (e) => {
    throw e;
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
}

/**
 * Everything on the page is inside the window's width: no sideways scroll, and no element reaching
 * past the right edge. What a pane, an ellipsis or a visually-hidden clip keeps within itself does
 * not count; the page's own clip (`.app`, which hides whatever is past the edge) does not excuse
 * anything, since what it clips is cut off for the clinician (the clock and the status bar's
 * directory line at 1366 px on a lead's Shift workspace).
 */
export async function expectFitsWindow(page: Page, what: string): Promise<void> {
  const past = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const app = document.querySelector('.app');
    const found: string[] = [];
    if (document.documentElement.scrollWidth > width) found.push(`the page is ${document.documentElement.scrollWidth} px wide in ${width}`);
    for (const el of document.body.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      let right = box.right;
      for (let a = el.parentElement; a && a !== app && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') right = Math.min(right, a.getBoundingClientRect().right);
      }
      if (right > width + 0.5) found.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} "${(el.textContent ?? '').trim().slice(0, 40)}" ends at ${Math.round(right)} px`);
    }
    return found.slice(0, 8);
  });
  expect(past, `${what}: everything within the window's width`).toEqual([]);
}
