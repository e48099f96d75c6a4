// Real processes: the machine's Redis for the "answers" case, a spawned redis-server otherwise.
import { describe, expect, it } from 'vitest';
import { findFreePort } from './net.js';
import { ensureRedis } from './redis.js';
import { pingRedis } from './redis-probe.js';

const MACHINE_REDIS = 'redis://127.0.0.1:6379';
const noLog = (): void => {};

describe('ensureRedis', () => {
  it('uses the Redis at the URL when it answers PING', async () => {
    const service = await ensureRedis({ url: MACHINE_REDIS, log: noLog });
    expect(service).toEqual({ url: MACHINE_REDIS, source: 'existing', stop: expect.any(Function) });
    await service.stop(); // leaves the machine's server alone
    expect((await pingRedis(MACHINE_REDIS)).up).toBe(true);
  });

  it('starts redis-server on a free port when nothing answers, and stops it', async () => {
    const closedPort = await findFreePort();
    const service = await ensureRedis({ url: `redis://127.0.0.1:${closedPort}`, log: noLog });
    try {
      expect(service.source).toBe('spawned');
      expect(service.url).not.toBe(`redis://127.0.0.1:${closedPort}`);
      expect(await pingRedis(service.url)).toEqual({ up: true });
    } finally {
      await service.stop();
    }
    expect((await pingRedis(service.url)).up).toBe(false);
  });

  it('says what to install when nothing answers and redis-server is not on PATH', async () => {
    const url = `redis://127.0.0.1:${await findFreePort()}`;
    const attempt = ensureRedis({ url, log: noLog, searchPath: '/nonexistent' });
    await expect(attempt).rejects.toThrow(/apt-get install redis-server/);
    await expect(attempt).rejects.toThrow(/brew install redis/);
    await expect(attempt).rejects.toThrow(/REDIS_URL/);
  });

  it('does not fall back when the caller named the server', async () => {
    const url = `redis://127.0.0.1:${await findFreePort()}`;
    await expect(ensureRedis({ url, log: noLog, fallback: false })).rejects.toThrow(/does not answer at redis:\/\/127\.0\.0\.1:\d+/);
  });

  it('reports a Redis that refuses the password instead of starting another one', async () => {
    await expect(ensureRedis({ url: 'redis://:wrong@127.0.0.1:6379', log: noLog })).rejects.toThrow(/answered but refused/);
  });
});
