import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests that spawn the CLI or worker pools compete for 2 cores; keep files parallel but bounded.
    maxWorkers: 2,
  },
});
