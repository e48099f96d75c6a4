import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The integration suites move tens of megabytes through loopback sockets; one file at a
    // time keeps the 2-core machines from turning timing assertions (expiry within 1 s) flaky.
    fileParallelism: false,
  },
});
