// Sessions whose gateway died without closing them (docs/tunnel.md, "Sessions"): the sweeper of
// a live replica closes their rows once the dead replica's presence key in Redis has expired,
// and leaves the sessions of live replicas alone — also when Redis has just lost every presence
// key (restarted without persistence, issue 15), which says nothing about who is alive.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity, eventually, queryDatabase, REDIS_URL, type TestIdentity } from '@jitgate/testkit';
import { startGateway, type TestGateway } from '../support/gateway-harness.js';
import { allowConnections, createTcpConnection, registerAgent, requestGrant } from '../support/tunnel-fixtures.js';

describe('orphaned session rows', () => {
  let gw: TestGateway;
  let alice: TestIdentity;
  let redis: Redis;

  beforeAll(async () => {
    gw = await startGateway({ env: { JITGATE_SWEEP_INTERVAL: '1s' } });
    alice = await createIdentity(gw.admin, { subject: 'alice' });
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    await gw?.close();
  });

  async function insertOpenSession(gatewayId: string): Promise<string> {
    const connection = await createTcpConnection(gw.admin, `c-${randomUUID().slice(0, 8)}`, 9);
    await allowConnections(gw.admin, `p-${randomUUID().slice(0, 8)}`, [connection.name]);
    const grant = await requestGrant(alice, connection.name);
    const agent = await registerAgent(gw.admin, `a-${randomUUID().slice(0, 8)}`);
    const id = randomUUID();
    await queryDatabase(
      gw.databaseUrl,
      `INSERT INTO sessions (id, identity_id, grant_id, connection_id, agent_id, gateway_id, client_address, started_at, bytes_up, bytes_down)
       VALUES ($1, $2, $3, $4, $5, $6, '127.0.0.1', now(), 0, 0)`,
      [id, alice.id, grant.id, connection.id, agent.id, gatewayId],
    );
    return id;
  }

  /** Redis has held presence keys for longer than their lifetime: an absent key means a gone replica. */
  const presenceKeptSinceLongAgo = () => redis.set(`${gw.config.redis.prefix}:presence-since`, String(Date.now() - 3_600_000));

  it('closes the rows of a replica that is gone, and only those', async () => {
    await presenceKeptSinceLongAgo();
    await redis.set(`${gw.config.redis.prefix}:gateway-alive:gw-alive`, '1', 'PX', 60_000);
    const orphan = await insertOpenSession('gw-dead');
    const kept = await insertOpenSession('gw-alive');

    const row = await eventually(async () => {
      const response = await gw.admin.get(`/v1/sessions/${orphan}`);
      return response.body.endedAt ? response.body : null;
    }, 10_000);
    expect(row).toMatchObject({ endReason: 'gateway_lost', active: false });
    const audit = await gw.admin.get(`/v1/audit?action=session.closed&target=${orphan}`);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].details).toMatchObject({ endReason: 'gateway_lost' });

    // A sweep later, the live replica's session is still open.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await gw.admin.get(`/v1/sessions/${kept}`)).body.endedAt).toBeNull();
    expect((await gw.admin.get('/v1/audit/verify')).body.ok).toBe(true);
  });

  it('after Redis lost its presence keys, a replica that has not yet written its key again is not taken for gone', async () => {
    await presenceKeptSinceLongAgo();
    await redis.set(`${gw.config.redis.prefix}:gateway-alive:gw-b`, '1', 'PX', 60_000);
    const live = await insertOpenSession('gw-b');
    // Redis comes back empty: every presence key is gone, gw-b's too, though gw-b runs on.
    const keys = await redis.keys(`${gw.config.redis.prefix}:gateway-alive:*`);
    await redis.del(`${gw.config.redis.prefix}:presence-since`, ...keys);

    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await gw.admin.get(`/v1/sessions/${live}`)).body.endedAt, 'a sweep took a live replica for gone').toBeNull();

    // Once presence has been kept for a whole key lifetime, gw-b's absence does mean it is gone:
    // the same sweeps now close its row (so they were running all along).
    await presenceKeptSinceLongAgo();
    const row = await eventually(async () => {
      const response = await gw.admin.get(`/v1/sessions/${live}`);
      return response.body.endedAt ? response.body : null;
    }, 10_000);
    expect(row).toMatchObject({ endReason: 'gateway_lost' });
  });
});
