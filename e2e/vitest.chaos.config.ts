import { defineConfig } from 'vitest/config';

// `pnpm chaos`: the one chaos run (chaos/chaos.run.ts), not the suites.
export default defineConfig({
  test: {
    include: ['chaos/**/*.run.ts'],
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
