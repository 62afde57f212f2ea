import { defineConfig } from '@playwright/test';

/*
 * The desktop app itself through Playwright's Electron support, for machines that have the
 * Electron binary (it cannot be downloaded everywhere; where it is missing the spec says so and
 * skips). Builds the desktop bundles first.
 *   npm run test:desktop
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../test-results/desktop',
  workers: 1,
  retries: 0,
  timeout: 120_000,
  reporter: [['list']],
});
