import { defineConfig } from 'vitest/config';

// Browser specs run only when scripts/test.mjs found a Chromium (it sets CHROMIUM_PATH).
const browser = process.env.CHROMIUM_PATH ? ['test/browser/**/*.browser-spec.ts'] : [];

export default defineConfig({
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts', ...browser],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    reporters: ['default'],
  },
});
