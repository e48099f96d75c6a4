import { defineConfig } from 'vitest/config';

// The suites start real processes (built gateways, agents, `jitgate connect`), each suite with a
// database and a Redis prefix of its own: the timeouts leave room for their starts and stops.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One file at a time: each brings up several processes, and these machines have two cores.
    fileParallelism: false,
    pool: 'forks',
  },
});
