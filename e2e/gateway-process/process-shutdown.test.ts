// Graceful shutdown while a timed job runs (docs/operations.md, "Shutdown"): the job is let finish
// and BullMQ records it, and only then do Redis and the database pools close. Closing Redis under
// a worker with a job in flight once left BullMQ retrying "Connection is closed" without a pause:
// the process spun at 100 % CPU and never exited (a CI run hung on it for an hour).
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createMigratedDatabase, deleteRedisKeys, eventually, REDIS_URL } from '@jitgate/testkit';
import { GatewayProcess } from '../support/gateway-process.js';
import { baseEnv, newBootstrapToken, newRedisPrefix, queryDatabase } from '../support/e2e-support.js';

describe('gateway process shutdown', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('on SIGTERM, lets a sweep caught mid-way finish and be recorded, then exits 0 and withdraws its presence', async () => {
    const database = await createMigratedDatabase('jitgate_e2e_shutdown');
    cleanups.push(() => database.drop());
    const prefix = newRedisPrefix('shutdown');
    cleanups.push(() => deleteRedisKeys(prefix));
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => redis.disconnect());
    const gateway = new GatewayProcess({ env: { ...baseEnv(database.url, prefix), JITGATE_BOOTSTRAP_TOKEN: newBootstrapToken(), JITGATE_SWEEP_INTERVAL: '1s' } });
    cleanups.push(() => gateway.dispose());
    await gateway.start();
    const [presenceKey] = await redis.keys(`${prefix}:gateway-alive:*`);
    expect(presenceKey).toBeDefined();

    // The next sweep stops at its first query, on this lock: a job in flight.
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    cleanups.push(() => locker.end());
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE grants IN ACCESS EXCLUSIVE MODE');
    const name = new URL(database.url).pathname.slice(1);
    await eventually(async () => {
      const rows = await queryDatabase(database.url, "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [name]);
      return rows.length > 0;
    });
    const completedBefore = await redis.zcard(`${prefix}:maintenance:completed`);

    gateway.signal('SIGTERM');
    await eventually(async () => gateway.run.stderr.includes('SIGTERM, shutting down'));
    // Give the shutdown time to close whatever it closes before the job can finish.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(gateway.running).toBe(true); // waiting for the job
    await locker.query('ROLLBACK');

    expect(await gateway.waitForExit(20_000)).toEqual({ code: 0, signal: null });
    expect(await redis.zcard(`${prefix}:maintenance:completed`)).toBe(completedBefore + 1);
    expect(await redis.llen(`${prefix}:maintenance:active`)).toBe(0);
    expect(await redis.exists(presenceKey as string)).toBe(0);
  }, 60_000);
});
