import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,export,electron,renderer,server,tools,scripts}/**/*.test.ts', 'renderer/**/*.test.tsx', 'test/{integration,faults,security}/**/*.test.ts'],
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
