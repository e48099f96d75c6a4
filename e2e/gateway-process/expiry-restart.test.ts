// Grant expiry across a crash of the real gateway process. A grant is closed by a BullMQ
// delayed job and, as a safety net, by the sweeper
// (apps/gateway/src/control-plane/sweep/access-sweep.processor.ts), which runs at start and every
// JITGATE_SWEEP_INTERVAL. These suites take the job away (as a
// Redis failover without persistence would) or keep it, kill the gateway, let the grant's time
// pass while nothing runs, and check what the next start does.
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createConnection, createIdentity, createMigratedDatabase, createPolicy, deleteRedisKeys, eventually, REDIS_URL, sleep, type TestIdentity } from '@jitgate/testkit';
import { GatewayProcess } from '../support/gateway-process.js';
import { baseEnv, expectAuditChainIntact, newBootstrapToken, newRedisPrefix, queryDatabase } from '../support/e2e-support.js';

interface GrantRow {
  status: string;
  expires_at: Date;
  overdue: boolean;
}

describe('grant expiry while the gateway is down', () => {
  const adminToken = newBootstrapToken();
  const redisPrefix = newRedisPrefix('expiry');
  let database: { url: string; drop(): Promise<void> };
  let gateway: GatewayProcess;
  let redis: Redis;
  let timers: Queue;
  let alice: TestIdentity;

  const admin = () => new ApiClient(gateway.baseUrl, adminToken);
  const aliceApi = () => new ApiClient(gateway.baseUrl, alice.token);

  async function requestGrant(seconds: number, reason: string): Promise<{ id: string; expiresAt: Date }> {
    const created = await aliceApi().post('/v1/access-requests', { connection: 'orders-db', duration: seconds, reason });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.status).toBe('approved');
    return { id: created.body.grant.id as string, expiresAt: new Date(created.body.grant.expiresAt as string) };
  }

  const expiryJob = (grantId: string): Promise<Job | undefined> => timers.getJob(`grant-expire-${grantId}`);

  async function grantRow(grantId: string): Promise<GrantRow> {
    const rows = await queryDatabase<GrantRow>(database.url, 'SELECT status, expires_at, expires_at <= now() AS overdue FROM grants WHERE id = $1', [grantId]);
    expect(rows).toHaveLength(1);
    return rows[0] as GrantRow;
  }

  async function expiryEvents(grantId: string): Promise<Array<{ details: { via: string } }>> {
    const events = await admin().get(`/v1/audit?action=grant.expired&target=${grantId}`);
    expect(events.status).toBe(200);
    return events.body.items;
  }

  /** Sleeps until `at` has passed by `marginMs`. */
  const sleepPast = (at: Date, marginMs = 300) => sleep(Math.max(0, at.getTime() - Date.now() + marginMs));

  beforeAll(async () => {
    database = await createMigratedDatabase('jitgate_e2e_expiry');
    gateway = new GatewayProcess({
      env: { ...baseEnv(database.url, redisPrefix), JITGATE_BOOTSTRAP_TOKEN: adminToken, JITGATE_SWEEP_INTERVAL: '1s', LOG_LEVEL: 'warn' },
    });
    await gateway.start();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    timers = new Queue('timers', { connection: redis, prefix: redisPrefix });
    alice = await createIdentity(admin(), { subject: 'alice', groups: ['dev'] });
    await createConnection(admin(), 'orders-db');
    await createPolicy(admin(), 'dev-access', [{ name: 'dev-auto', effect: 'auto-approve', match: { identity: { groups: ['dev'] } }, maxDuration: '1h' }]);
  });

  afterAll(async () => {
    await gateway?.dispose();
    await timers?.close();
    redis?.disconnect();
    await deleteRedisKeys(redisPrefix);
    await database?.drop();
  });

  it('closes at the next start a grant whose delayed job was lost while the gateway was down', async () => {
    const grant = await requestGrant(3, 'lost job');
    expect(await (await expiryJob(grant.id))?.getState()).toBe('delayed');

    // Crash, then lose Redis' state: nothing is left that would close the grant on time.
    expect(await gateway.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    await deleteRedisKeys(redisPrefix);
    expect(await expiryJob(grant.id)).toBeUndefined();
    await sleepPast(grant.expiresAt);

    // The row still says active: nothing could have written it. That is safe because the grant
    // check never trusts the status alone; it requires expires_at > now (GrantRepository.findInForce),
    // which the next test shows against a live gateway.
    const stale = await grantRow(grant.id);
    expect(stale).toMatchObject({ status: 'active', overdue: true });

    // The sweeper runs at boot, before the process listens: by the time /readyz answers the
    // grant is closed.
    await gateway.start();
    const check = await aliceApi().get('/v1/grants/check?connection=orders-db');
    expect(check.body).toMatchObject({ allowed: false, grantId: null });
    const closed = await admin().get(`/v1/grants/${grant.id}`);
    expect(closed.body).toMatchObject({ status: 'expired', inForce: false, endReason: 'expired' });
    expect(new Date(closed.body.endedAt).getTime()).toBeGreaterThanOrEqual(grant.expiresAt.getTime());
    expect((await grantRow(grant.id)).status).toBe('expired');

    const events = await expiryEvents(grant.id);
    expect(events).toHaveLength(1);
    expect(events[0]?.details).toMatchObject({ via: 'sweeper', expiresAt: grant.expiresAt.toISOString(), connection: 'orders-db' });
    await expectAuditChainIntact(admin());
  });

  it('never lets a grant past its expiry through the check, even while its row still says active', async () => {
    // A sweeper that will not come round for an hour, and a delayed job that is gone: the row
    // stays active past expires_at on a live gateway.
    await gateway.restart({ JITGATE_SWEEP_INTERVAL: '1h' });
    const grant = await requestGrant(3, 'row outlives its time');
    const job = await expiryJob(grant.id);
    expect(await job?.getState()).toBe('delayed');
    await job?.remove();
    expect((await aliceApi().get('/v1/grants/check?connection=orders-db')).body).toMatchObject({ allowed: true, grantId: grant.id });
    await sleepPast(grant.expiresAt);

    expect(await grantRow(grant.id)).toMatchObject({ status: 'active', overdue: true });
    expect((await aliceApi().get('/v1/grants/check?connection=orders-db')).body).toMatchObject({ allowed: false, grantId: null });
    expect((await aliceApi().get(`/v1/grants/${grant.id}`)).body).toMatchObject({ status: 'active', inForce: false });
    const inForce = await aliceApi().get('/v1/grants?active=true');
    expect(inForce.body.items.map((g: { id: string }) => g.id)).not.toContain(grant.id);

    // The next start (sweeping every second again) closes it.
    await gateway.restart({ JITGATE_SWEEP_INTERVAL: '1s' });
    expect((await grantRow(grant.id)).status).toBe('expired');
    expect((await expiryEvents(grant.id)).map((e) => e.details.via)).toEqual(['sweeper']);
  });

  it('closes a grant exactly once when Redis kept its job through the crash', async () => {
    const grant = await requestGrant(3, 'job survives');
    expect(await (await expiryJob(grant.id))?.getState()).toBe('delayed');
    await gateway.kill('SIGKILL');
    await sleepPast(grant.expiresAt, 500);
    expect(await grantRow(grant.id)).toMatchObject({ status: 'active', overdue: true });
    // The job is now due and the sweeper runs at boot: both race for the row on the next start.
    expect(await (await expiryJob(grant.id))?.getState()).toBe('delayed');

    await gateway.start();
    await eventually(async () => (await grantRow(grant.id)).status === 'expired', 10_000);
    // Whichever came second found the grant closed and did nothing; the job still completes.
    await eventually(async () => (await (await expiryJob(grant.id))?.getState()) === 'completed', 10_000);
    await sleep(1500); // two more sweeps
    const events = await expiryEvents(grant.id);
    expect(events).toHaveLength(1);
    expect(['job', 'sweeper']).toContain(events[0]?.details.via);
    await expectAuditChainIntact(admin());

    const grants = await queryDatabase<{ n: string }>(database.url, "SELECT count(*) AS n FROM grants WHERE status = 'active'");
    expect(grants[0]?.n).toBe('0');
  });
});
