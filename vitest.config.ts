import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,export,electron,renderer,server,tools,scripts}/**/*.test.ts', 'renderer/**/*.test.tsx', 'test/{integration,faults,security}/**/*.test.ts'],
    // Run on its own after the rest (npm run test:packaging, vitest.packaging.config.ts).
    exclude: [...configDefaults.exclude, 'scripts/release/packaging-check.test.ts'],
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
