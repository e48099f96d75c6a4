// Redis out of reach (issue 15): the gateway runs on a Redis the suite starts for itself, which
// the test stops (every connection refused), freezes (connections open, nothing answers) and
// starts again empty, as a Redis without persistence comes back. PostgreSQL holds every grant,
// so access does not need Redis: a request is still answered, its grant is in force, a revoke
// still ends it, and the timers that could not be queued are caught up by the sweeper once Redis
// is back, with no restart.
//
// "Answered" is a liveness check, not a timing one: before the fix a request waited on Redis for
// as long as Redis was away (20 s and more, issue 15); the bound here is ten times the gateway's.
import { createIdentity, createOrdersAndScratch, eventually, OwnRedisServer, type TestIdentity, within } from '@jitgate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway-harness.js';

const REDIS_TIMEOUT_MS = 1000;

const answered = <T>(call: Promise<T>, what: string): Promise<T> => within(call, 10 * REDIS_TIMEOUT_MS, what);

describe('Redis out of reach', () => {
  let redis: OwnRedisServer;
  let gw: TestGateway;
  let alice: TestIdentity;

  beforeAll(async () => {
    redis = await OwnRedisServer.start();
    gw = await startGateway({ redisUrl: redis.url, env: { JITGATE_REDIS_TIMEOUT: `${REDIS_TIMEOUT_MS / 1000}s`, JITGATE_SWEEP_INTERVAL: '1s', JITGATE_REQUEST_TTL: '2s' } });
    await createOrdersAndScratch(gw.admin, '1h');
    alice = await createIdentity(gw.admin, { subject: 'alice', groups: ['dev'] });
  });
  afterAll(async () => {
    await gw?.close();
    await redis?.kill();
  });

  async function grantAllowed(): Promise<boolean> {
    const checked = await alice.api.get('/v1/grants/check?connection=scratch-db');
    expect(checked.status, JSON.stringify(checked.body)).toBe(200);
    return checked.body.allowed as boolean;
  }

  it('stopped: requests are answered and granted through PostgreSQL, a revoke ends the grant, readiness says Redis is down; back empty, the sweeper catches up on its own', async () => {
    await redis.kill();

    const granted = await answered(alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '10m', reason: 'Redis is down' }), 'an auto-approved request');
    expect(granted.status, JSON.stringify(granted.body)).toBe(201);
    expect(granted.body.grant.status).toBe('active');
    expect(await answered(grantAllowed(), 'a grant check')).toBe(true);

    const revoked = await answered(gw.admin.post(`/v1/grants/${granted.body.grant.id}/revoke`, { reason: 'while Redis is down' }), 'a revoke');
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(revoked.body.liveSessions.notified).toBe(false);
    expect(await grantAllowed()).toBe(false);

    const pending = await answered(alice.api.post('/v1/access-requests', { connection: 'orders-db', duration: '10m', reason: 'needs a dba' }), 'a request held for approval');
    expect(pending.status, JSON.stringify(pending.body)).toBe(201);
    expect(pending.body.status).toBe('pending');

    const ready = await answered(gw.api.get('/readyz'), 'readiness');
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual({ database: 'ok', redis: 'down' });
    const metrics = await gw.api.get('/metrics');
    expect(metrics.body).toMatch(/jitgate_jobs_not_queued_total\{job="grant.expire"\} 1/);
    expect(metrics.body).toMatch(/jitgate_jobs_not_queued_total\{job="access-request.expire"\} 1/);

    // Back, and empty: the request's expiry job was never queued and the sweeper's schedule is
    // gone with the data; the gateway schedules the sweeper again by itself and it expires the
    // request that outlived its 2 s.
    await redis.restart();
    const expired = await eventually(async () => {
      const read = await alice.api.get(`/v1/access-requests/${pending.body.id}`);
      return read.body.status === 'expired' ? read.body : undefined;
    }, 20_000);
    expect(expired.status).toBe('expired');
    expect((await gw.api.get('/readyz')).status).toBe(200);
  });

  it('frozen: a request is answered within the bound and granted; when Redis thaws the gateway goes on', async () => {
    redis.freeze();
    try {
      const granted = await answered(alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '10m', reason: 'Redis is frozen' }), 'an auto-approved request');
      expect(granted.status, JSON.stringify(granted.body)).toBe(201);
      expect(granted.body.grant.status).toBe('active');
      const ready = await answered(gw.api.get('/readyz'), 'readiness');
      expect(ready.body.checks.redis).toBe('down');
    } finally {
      redis.thaw();
    }
    await eventually(async () => (await gw.api.get('/readyz')).status === 200);
    const again = await alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '10m', reason: 'Redis is back' });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
  });
});
