// Enforcement at the gateway (docs/tunnel.md, "Enforcement"): a session ends within a second of
// its grant's expiresAt, or of the grant being revoked or released — on this replica or, through
// Redis, on any other — and the agents are told. Shutdown ends sessions and records them.
import { createPrismaClient } from '@jitgate/db';
import { CloseReason } from '@jitgate/proto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@jitgate/testkit';
import { startGateway, type TestGateway } from '../support/gateway-harness.js';
import {
  agentOptions,
  allowConnections,
  connectClient,
  createIdentity,
  createTcpConnection,
  echo,
  FakeAgent,
  registerAgent,
  requestGrant,
  startEchoServer,
  type TestIdentity,
} from '../support/tunnel-fixtures.js';

describe('grant enforcement on live sessions', () => {
  let gw: TestGateway;
  let target: Awaited<ReturnType<typeof startEchoServer>>;
  let alice: TestIdentity;
  let agent: FakeAgent;

  beforeAll(async () => {
    gw = await startGateway();
    target = await startEchoServer();
    alice = await createIdentity(gw.admin, { subject: 'alice' });
    await createTcpConnection(gw.admin, 'echo', target.port);
    await allowConnections(gw.admin, 'tcp', ['echo']);
    const { token } = await registerAgent(gw.admin, 'edge-1');
    agent = await FakeAgent.connect(agentOptions(gw, token, { name: 'edge-1', connections: ['echo'] }));
  });
  afterAll(async () => {
    agent?.kill();
    await target?.close();
    await gw?.close();
  });

  const endedRow = (id: string) =>
    eventually(async () => {
      const response = await gw.admin.get(`/v1/sessions/${id}`);
      return response.body.endedAt ? response.body : null;
    });

  async function liveSession(durationSeconds = 3600) {
    const grant = await requestGrant(alice, 'echo', durationSeconds);
    const client = await connectClient(gw.tcpPort, 'echo', alice.token);
    expect(client.line).toMatch(/^JITGATE\/1 200 /);
    expect((await echo(client, Buffer.from('hello'))).toString()).toBe('hello');
    return { grant, client };
  }

  it("closes the client within a second of the grant expiring, on the gateway's own timer", async () => {
    const { grant, client } = await liveSession(3);
    const closedAt = await client.closed;
    const late = closedAt - grant.expiresAt.getTime();
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThanOrEqual(1000);
    const row = await endedRow(client.sessionId!);
    expect(row).toMatchObject({ endReason: 'grant_expired', endedBy: 'local' });
    const session = [...agent.sessions.values()].find((s) => s.open.sessionId === client.sessionId)!;
    expect(Number(session.open.grantExpiresAtUnixMs)).toBe(grant.expiresAt.getTime());
    expect(agent.messages('sessionClose').find((m) => m.sid === session.open.sid)?.reason).toBe(CloseReason.GRANT_EXPIRED);
    // A client arriving after expiry is refused.
    expect((await connectClient(gw.tcpPort, 'echo', alice.token)).line).toMatch(/^JITGATE\/1 403 no_grant /);
  });

  it('closes within a second when an admin revokes the grant, and tells the agent', async () => {
    const { grant, client } = await liveSession();
    const second = await connectClient(gw.tcpPort, 'echo', alice.token);
    const started = Date.now();
    expect((await gw.admin.post(`/v1/grants/${grant.id}/revoke`, { reason: 'incident' })).status).toBe(200);
    const [first, other] = await Promise.all([client.closed, second.closed]);
    expect(Math.max(first, other) - started).toBeLessThanOrEqual(1000);
    // Sessions are closed first, then the agents are told: the client may be faster than that.
    await eventually(async () => agent.messages('grantRevoked').find((m) => m.grantId === grant.id), 2000, 10);
    expect(agent.messages('grantRevoked')).toContainEqual(expect.objectContaining({ grantId: grant.id, reason: CloseReason.GRANT_REVOKED }));
    expect(await endedRow(client.sessionId!)).toMatchObject({ endReason: 'grant_revoked', endedBy: 'local' });
    const audit = (await gw.admin.get(`/v1/audit?action=session.closed&target=${client.sessionId}`)).body.items;
    expect(audit[0]).toMatchObject({ actorKind: 'system', details: { endReason: 'grant_revoked', grantId: grant.id } });
  });

  it('closes when the holder releases the grant', async () => {
    const { grant, client } = await liveSession();
    const started = Date.now();
    expect((await alice.api.post(`/v1/grants/${grant.id}/release`, {})).status).toBe(200);
    expect((await client.closed) - started).toBeLessThanOrEqual(1000);
    expect(await endedRow(client.sessionId!)).toMatchObject({ endReason: 'grant_released' });
    await eventually(async () => agent.messages('grantRevoked').find((m) => m.grantId === grant.id), 2000, 10);
  });

  it('closes when another replica announces the end on Redis', async () => {
    const { grant, client } = await liveSession();
    const identityId = alice.id;
    const connectionId = (await gw.admin.get('/v1/connections?name=echo')).body.items[0].id;
    const redis = new Redis(gw.config.redis.url);
    try {
      await redis.publish(`${gw.config.redis.prefix}:grant-events`, 'not json');
      await redis.publish(`${gw.config.redis.prefix}:grant-events`, JSON.stringify({ type: 'grant.ended', grantId: grant.id, identityId, connectionId, status: 'revoked' }));
    } finally {
      redis.disconnect();
    }
    await client.closed;
    expect(await endedRow(client.sessionId!)).toMatchObject({ endReason: 'grant_revoked' });
  });

  it('ends sessions on shutdown and records them before the database goes', async () => {
    const { client } = await liveSession();
    const agentEnded = agent.ended;
    await gw.stop();
    await client.closed;
    expect((await agentEnded).details).toMatch(/shutting down/);
    const prisma = createPrismaClient({ databaseUrl: gw.databaseUrl, poolSize: 1 });
    try {
      const row = await prisma.session.findUnique({ where: { id: client.sessionId! } });
      expect(row).toMatchObject({ endReason: 'shutdown', endedBy: 'local' });
      expect(row?.endedAt).not.toBeNull();
    } finally {
      await prisma.$disconnect();
    }
  });
});
