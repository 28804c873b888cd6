// Two projects: `unit` (fast, beside the code, no engine needed; the tests of the test
// helpers too) and `system` (real git repositories, real Docker, real bubblewrap, the
// built CLI). CI runs both every time; the system tests fail, never skip, when what they
// need is missing.
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
          exclude: ['test/helpers/**'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
