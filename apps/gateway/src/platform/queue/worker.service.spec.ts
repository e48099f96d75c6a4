import { describe, expect, it } from 'vitest';
import type { RedisService } from '../redis/redis.service.js';
import { JOB_NAMES, type JobHandler } from './queue.registry.js';
import { WorkerService } from './worker.service.js';

const handler = (jobName: JobHandler['jobName']): JobHandler => ({ jobName, handle: async () => {} });
// The constructor only checks the handler set; Redis is touched at bootstrap, not here.
const redis = {} as RedisService;

describe('WorkerService start-up checks', () => {
  it('accepts one handler per registered job', () => {
    expect(() => new WorkerService(redis, JOB_NAMES.map(handler))).not.toThrow();
  });

  it('refuses to start when a job has no handler', () => {
    const [, ...rest] = JOB_NAMES;
    expect(() => new WorkerService(redis, rest.map(handler))).toThrow(/no handler for job\(s\): grant\.expire/);
  });

  it('refuses two handlers for one job', () => {
    expect(() => new WorkerService(redis, [...JOB_NAMES.map(handler), handler('grant.expire')])).toThrow(/two handlers/);
  });
});
