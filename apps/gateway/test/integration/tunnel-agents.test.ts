// Agents: registration and listing over REST, admission on the tunnel (docs/tunnel.md §1–2),
// Welcome assignments, heartbeats, and revocation closing live tunnels and their sessions.
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sleep } from '@jitgate/testkit';
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

describe('agents and their tunnels', () => {
  let gw: TestGateway;
  let target: Awaited<ReturnType<typeof startEchoServer>>;
  let alice: TestIdentity;
  let auditor: TestIdentity;
  const agents: FakeAgent[] = [];

  beforeAll(async () => {
    gw = await startGateway({ env: { JITGATE_TUNNEL_HEARTBEAT: '1s', JITGATE_GATEWAY_ID: 'gw-agents' } });
    target = await startEchoServer();
    alice = await createIdentity(gw.admin, { subject: 'alice' });
    auditor = await createIdentity(gw.admin, { subject: 'audrey', groups: ['jitgate-auditors'] });
    await createTcpConnection(gw.admin, 'echo', target.port, 'edge');
    await createTcpConnection(gw.admin, 'elsewhere', target.port, 'other-group');
    await createTcpConnection(gw.admin, 'old', target.port, 'edge');
    expect((await gw.admin.delete(`/v1/connections/${(await gw.admin.get('/v1/connections?name=old')).body.items[0].id}`)).status).toBe(200);
    await allowConnections(gw.admin, 'tcp', ['echo']);
  });
  afterAll(async () => {
    for (const agent of agents) agent.kill();
    await target?.close();
    await gw?.close();
  });

  const connect = async (...args: Parameters<typeof agentOptions>) => {
    const agent = await FakeAgent.connect(agentOptions(...args));
    agents.push(agent);
    return agent;
  };

  it('registers an agent and shows its token once, as jga_ and a hash', async () => {
    const created = await gw.admin.post('/v1/agents', { name: 'edge-1', agentGroup: 'edge', labels: { zone: 'eu' } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^jga_[A-Za-z0-9_-]{43}$/);
    expect(created.body).toMatchObject({ name: 'edge-1', agentGroup: 'edge', labels: { zone: 'eu' }, connected: 0, instances: [], revoked: false });
    expect(created.body.prefix).toBe(created.body.token.slice(0, 10));
    const listed = await gw.admin.get('/v1/agents');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    expect(listed.body.items.map((a: { name: string }) => a.name)).toContain('edge-1');

    expect((await gw.admin.post('/v1/agents', { name: 'edge-1', agentGroup: 'edge' })).status).toBe(409);
    expect((await gw.admin.post('/v1/agents', { name: 'Bad Name', agentGroup: 'edge' })).status).toBe(400);
    expect((await gw.admin.post('/v1/agents', { name: 'x', agentGroup: 'edge', token: 'mine' })).status).toBe(400);
    expect((await alice.api.post('/v1/agents', { name: 'sneaky', agentGroup: 'edge' })).status).toBe(403);
    expect((await alice.api.get('/v1/agents')).status).toBe(403);
    expect((await auditor.api.get('/v1/agents')).status).toBe(200);
    expect((await auditor.api.get(`/v1/agents/${created.body.id}`)).body.name).toBe('edge-1');
    expect((await auditor.api.post(`/v1/agents/${created.body.id}/revoke`, {})).status).toBe(403);
    const nobody = '00000000-0000-4000-8000-000000000000';
    expect((await gw.admin.get(`/v1/agents/${nobody}`)).status).toBe(404);
    expect((await gw.admin.post(`/v1/agents/${nobody}/revoke`, {})).status).toBe(404);
    expect((await gw.admin.get('/v1/agents/nope')).status).toBe(400);
    const audit = await gw.admin.get(`/v1/audit?action=agent.registered&target=${created.body.id}`);
    expect(audit.body.items).toHaveLength(1);
    expect(JSON.stringify(audit.body)).not.toContain(created.body.token);
  });

  it('refuses a missing, unknown or user token, a name mismatch, and a first message that is not Hello', async () => {
    const { token } = await registerAgent(gw.admin, 'edge-auth');
    const hello = { name: 'edge-auth', connections: ['echo'] };
    const cases: Array<[string | undefined, typeof hello, status]> = [
      [undefined, hello, status.UNAUTHENTICATED],
      [`jga_${'A'.repeat(43)}`, hello, status.UNAUTHENTICATED],
      [gw.adminToken, hello, status.UNAUTHENTICATED],
      [token, { ...hello, name: 'edge-1' }, status.UNAUTHENTICATED],
    ];
    for (const [credential, greeting, code] of cases) {
      const end = await FakeAgent.refusal(agentOptions(gw, credential, greeting));
      expect(end.code, end.details).toBe(code);
    }
    const notHello = await FakeAgent.refusal(agentOptions(gw, token, hello, { firstMessage: { case: 'heartbeat', value: { sentAtUnixMs: 1n } } }));
    expect(notHello.code).toBe(status.INVALID_ARGUMENT);
    expect(notHello.details).toMatch(/Hello/);
  });

  it('welcomes with the connections of its group that it named, and says why it refused the others', async () => {
    const { id, token } = await registerAgent(gw.admin, 'edge-welcome');
    const agent = await connect(gw, token, { name: 'edge-welcome', connections: ['echo', 'elsewhere', 'old', 'nope', 'NOT VALID', 'echo'], version: '1.2.3', labels: { pod: 'p-1' }, instanceId: 'pod-1' });
    const welcome = agent.welcome!;
    expect(welcome).toMatchObject({ agentId: id, gatewayId: 'gw-agents', heartbeatIntervalMs: 1000 });
    expect(welcome.connections.map((c) => [c.name, c.type, JSON.parse(c.settingsJson), c.credentialRef])).toEqual([['echo', 'tcp', { host: '127.0.0.1', port: target.port }, '']]);
    expect(Object.fromEntries(welcome.refused.map((r) => [r.name, r.reason]))).toEqual({
      elsewhere: 'the connection is not served by agent group "edge"',
      old: 'the connection is archived',
      nope: 'no such connection',
      'NOT VALID': 'no such connection',
    });

    const listed = await eventually(async () => {
      const response = await gw.admin.get(`/v1/agents/${id}`);
      return response.body.version === '1.2.3' ? response : null;
    });
    expect(listed.body).toMatchObject({ connected: 1, version: '1.2.3' });
    expect(listed.body.lastSeenAt).not.toBeNull();
    expect(listed.body.instances).toEqual([expect.objectContaining({ instanceId: 'pod-1', version: '1.2.3', labels: { pod: 'p-1' }, connections: ['echo'], sessions: 0 })]);
    const metrics = await gw.api.get('/metrics');
    expect(metrics.body).toMatch(/jitgate_tunnel_agents_connected [1-9]/);

    agent.close();
    await eventually(async () => ((await gw.admin.get(`/v1/agents/${id}`)).body.connected === 0 ? true : null), 5000, 50);
  });

  it('sends heartbeats, and drops an agent that has been silent for three intervals', async () => {
    const { token } = await registerAgent(gw.admin, 'edge-quiet');
    // Before the Hello: the gateway counts silence from the Hello it receives, so the time seen
    // here from before it holds the whole silence (from after the Welcome, a little less).
    const started = Date.now();
    const agent = await connect(gw, token, { name: 'edge-quiet', connections: ['echo'] }, { heartbeats: false });
    const end = await agent.ended;
    const silentFor = Date.now() - started;
    expect(end.code).toBe(status.UNAVAILABLE);
    expect(silentFor).toBeGreaterThanOrEqual(3000);
    expect(silentFor).toBeLessThan(5500);
    expect(agent.messages('heartbeat').length).toBeGreaterThanOrEqual(2);

    // One that talks stays.
    const chatty = await connect(gw, (await registerAgent(gw.admin, 'edge-chatty')).token, { name: 'edge-chatty', connections: ['echo'] });
    await sleep(4500);
    expect(await Promise.race([chatty.ended.then(() => 'ended'), sleep(10).then(() => 'open')])).toBe('open');
    chatty.close();
  });

  it('revokes an agent: its tunnel and sessions close within a second, and it cannot come back', async () => {
    const { id, token } = await registerAgent(gw.admin, 'edge-revoked');
    const agent = await connect(gw, token, { name: 'edge-revoked', connections: ['echo'] });
    const grant = await requestGrant(alice, 'echo');
    const client = await connectClient(gw.tcpPort, 'echo', alice.token);
    expect(client.line).toMatch(/^JITGATE\/1 200 /);
    expect((await echo(client, Buffer.from('ping'))).toString()).toBe('ping');

    const revokedAt = Date.now();
    const revoked = await gw.admin.post(`/v1/agents/${id}/revoke`, { reason: 'host decommissioned' });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ revoked: true, connected: 0 });
    const end = await agent.ended;
    expect(end.code).toBe(status.UNAUTHENTICATED);
    expect((await client.closed) - revokedAt).toBeLessThanOrEqual(1000);

    const session = await eventually(async () => {
      const response = await gw.admin.get(`/v1/sessions/${client.sessionId}`);
      return response.body.endedAt ? response.body : null;
    });
    const admin = (await gw.admin.get('/v1/identities/me')).body;
    expect(session).toMatchObject({ endReason: 'agent_revoked', endedBy: admin.id, grantId: grant.id });

    const again = await FakeAgent.refusal(agentOptions(gw, token, { name: 'edge-revoked', connections: ['echo'] }));
    expect(again.code).toBe(status.UNAUTHENTICATED);
    expect(again.details).toMatch(/revoked/);
    expect((await gw.admin.post(`/v1/agents/${id}/revoke`, {})).status).toBe(200);
    const audit = await gw.admin.get(`/v1/audit?action=agent.revoked&target=${id}`);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].details).toMatchObject({ name: 'edge-revoked', reason: 'host decommissioned' });
  });

  it('revokes through Redis: a replica that did not revoke closes the tunnels it holds', async () => {
    const { id, token } = await registerAgent(gw.admin, 'edge-remote');
    const agent = await connect(gw, token, { name: 'edge-remote', connections: ['echo'] });
    // What another replica publishes after its commit (port/access-events.ts).
    const { Redis } = await import('ioredis');
    const redis = new Redis(gw.config.redis.url);
    try {
      await redis.publish(`${gw.config.redis.prefix}:agent-events`, JSON.stringify({ type: 'agent.revoked', agentId: id, revokedBy: 'someone' }));
    } finally {
      redis.disconnect();
    }
    expect((await agent.ended).code).toBe(status.UNAUTHENTICATED);
  });
});
