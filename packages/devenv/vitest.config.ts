import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.spec.ts'],
    // These specs start real servers; the embedded PostgreSQL's first initdb takes seconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One file at a time: the 2-core machines run initdb, redis-server and migrations slowly
    // enough already without competing with each other.
    fileParallelism: false,
    pool: 'forks',
  },
});
