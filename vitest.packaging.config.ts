import { defineConfig } from 'vitest/config';

/*
 * The packaging check (scripts/release/packaging-check.test.ts) on its own, after the unit run:
 * it builds the whole release (esbuild, vite, makensis, wixl, dpkg-deb, osslsigncode, 7z), about
 * 40 s of both cores, which would otherwise starve the timing-sensitive tests running beside it.
 *   npm run test:packaging
 */
export default defineConfig({
  test: {
    include: ['scripts/release/packaging-check.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
