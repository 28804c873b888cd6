// Three projects: `unit` (fast, beside the code, no engine needed; the tests of the test
// helpers and the dashboard's pure parts too), `system` (real git repositories, real
// Docker, real bubblewrap, the built CLI) and `web` (the dashboard served by the built CLI,
// driven in a real browser; local backend, no Docker). CI runs all of them every time; the
// system and web tests fail, never skip, when what they need is missing.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // System tests share one Docker engine and 2 cores: run files one at a time.
    fileParallelism: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'web/src/**/*.test.ts', 'test/helpers/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'system',
          include: ['test/**/*.test.ts'],
          exclude: ['test/helpers/**', 'test/web/**'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        test: {
          name: 'web',
          include: ['test/web/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          globalSetup: ['test/web/global-setup.ts'],
          // A page catches up in its own time: poll for what it shows, for a while.
          expect: { poll: { timeout: 15_000, interval: 100 } },
        },
      },
    ],
  },
});
