// Sessions through the client listener and a tunnel: bytes intact both ways with half-close,
// the session row and its audit events, GET /v1/sessions, round-robin between agents, and the
// isolation rules of docs/tunnel.md §6 (a bad frame closes one session, never the tunnel).
import { createHash, randomBytes } from 'node:crypto';
import { CloseReason } from '@jitgate/proto';
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
  exchange,
  FakeAgent,
  registerAgent,
  requestGrant,
  startEchoServer,
  type TestGrant,
  type TestIdentity,
} from '../support/tunnel-fixtures.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('sessions through the tunnel', () => {
  let gw: TestGateway;
  let target: Awaited<ReturnType<typeof startEchoServer>>;
  let alice: TestIdentity;
  let bob: TestIdentity;
  let auditor: TestIdentity;
  let grant: TestGrant;
  const agents: FakeAgent[] = [];
  const agentIds: string[] = [];

  beforeAll(async () => {
    gw = await startGateway({ env: { JITGATE_GATEWAY_ID: 'gw-sessions' } });
    target = await startEchoServer();
    alice = await createIdentity(gw.admin, { subject: 'alice' });
    bob = await createIdentity(gw.admin, { subject: 'bob' });
    auditor = await createIdentity(gw.admin, { subject: 'audrey', groups: ['jitgate-auditors'] });
    await createTcpConnection(gw.admin, 'echo', target.port);
    await allowConnections(gw.admin, 'tcp', ['echo']);
    for (const name of ['edge-1', 'edge-2']) {
      const { id, token } = await registerAgent(gw.admin, name);
      agentIds.push(id);
      agents.push(await FakeAgent.connect(agentOptions(gw, token, { name, connections: ['echo'], instanceId: name })));
    }
    grant = await requestGrant(alice, 'echo');
  });
  afterAll(async () => {
    for (const agent of agents) agent.kill();
    await target?.close();
    await gw?.close();
  });

  const sessionRow = (id: string) =>
    eventually(async () => {
      const response = await gw.admin.get(`/v1/sessions/${id}`);
      return response.body.endedAt ? response.body : null;
    });

  it('carries megabytes intact both ways, passes half-close, and records the session', async () => {
    const upload = randomBytes(8 * 1024 * 1024);
    const client = await connectClient(gw.tcpPort, 'echo', alice.token);
    expect(client.sessionId).toBeDefined();
    const received = await exchange(client, upload);
    expect(received.length).toBe(upload.length);
    expect(sha(received)).toBe(sha(upload));

    const row = await sessionRow(client.sessionId!);
    expect(row).toMatchObject({
      identityId: alice.id,
      identity: 'alice',
      grantId: grant.id,
      connection: 'echo',
      gatewayId: 'gw-sessions',
      bytesUp: upload.length,
      bytesDown: upload.length,
      active: false,
    });
    expect(['client_closed', 'target_closed']).toContain(row.endReason);
    expect(agentIds).toContain(row.agentId);
    expect(row.clientAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(new Date(row.endedAt).getTime()).toBeGreaterThanOrEqual(new Date(row.startedAt).getTime());

    const audit = (await gw.admin.get(`/v1/audit?targetType=session&target=${client.sessionId}`)).body.items;
    expect(audit.map((e: { action: string }) => e.action)).toEqual(['session.opened', 'session.closed']);
    expect(audit[0]).toMatchObject({ actorId: alice.id, details: { grantId: grant.id, connection: 'echo', gatewayId: 'gw-sessions' } });
    expect(audit[1].details).toMatchObject({ endReason: row.endReason, bytesUp: upload.length, bytesDown: upload.length });
    expect((await gw.admin.get('/v1/audit/verify')).body.ok).toBe(true);

    const metrics = (await gw.api.get('/metrics')).body as string;
    expect(metrics).toMatch(/jitgate_tunnel_sessions_opened_total [1-9]/);
    expect(metrics).toMatch(/jitgate_tunnel_bytes_total\{direction="up"\} \d{7,}/);
    expect(metrics).toMatch(/jitgate_tunnel_sessions_closed_total\{reason="(client|target)_closed"\} [1-9]/);
  });

  it('takes turns between the agents that serve a connection', async () => {
    const clients = [];
    for (let i = 0; i < 4; i += 1) clients.push(await connectClient(gw.tcpPort, 'echo', alice.token));
    const rows = await Promise.all(clients.map(async (c) => (await gw.admin.get(`/v1/sessions/${c.sessionId}`)).body));
    const [first, second] = rows.map((r) => r.agentId as string);
    expect(new Set([first, second])).toEqual(new Set(agentIds));
    expect(rows.map((r) => r.agentId)).toEqual([first, second, first, second]);
    for (const client of clients) client.socket.destroy();
  });

  it("lists sessions: your own, everyone's for admins and auditors, by grant, connection and activity", async () => {
    const open = await connectClient(gw.tcpPort, 'echo', alice.token);
    const mine = await alice.api.get('/v1/sessions');
    expect(mine.status).toBe(200);
    expect(mine.body.items.length).toBeGreaterThanOrEqual(2);
    expect(mine.body.items.every((s: { identityId: string }) => s.identityId === alice.id)).toBe(true);
    expect(mine.body.items[0].id).toBe(open.sessionId); // newest first

    const active = await alice.api.get('/v1/sessions?active=true');
    expect(active.body.items.map((s: { id: string }) => s.id)).toContain(open.sessionId);
    expect(active.body.items.every((s: { active: boolean }) => s.active)).toBe(true);
    expect((await alice.api.get(`/v1/sessions?grant=${grant.id}`)).body.items.length).toBe(mine.body.items.length);
    expect((await alice.api.get('/v1/sessions?connection=nothing-here')).body.items).toEqual([]);

    const page = await alice.api.get('/v1/sessions?limit=1');
    expect(page.body.items).toHaveLength(1);
    const next = await alice.api.get(`/v1/sessions?limit=1&after=${page.body.next}`);
    expect(next.body.items[0].id).not.toBe(page.body.items[0].id);

    expect((await bob.api.get('/v1/sessions')).body.items).toEqual([]);
    expect((await bob.api.get('/v1/sessions?view=all')).status).toBe(403);
    expect((await bob.api.get(`/v1/sessions/${open.sessionId}`)).status).toBe(404);
    expect((await alice.api.get(`/v1/sessions/${open.sessionId}`)).body.active).toBe(true);
    const all = await auditor.api.get(`/v1/sessions?view=all&identity=${alice.id}`);
    expect(all.body.items.map((s: { id: string }) => s.id)).toContain(open.sessionId);
    expect((await alice.api.get('/v1/sessions?active=yes')).status).toBe(400);
    expect((await alice.api.get('/v1/sessions/not-a-uuid')).status).toBe(400);
    open.socket.destroy();
  });

  it('answers a frame for an unknown sid with SessionClose and nothing else changes', async () => {
    const client = await connectClient(gw.tcpPort, 'echo', alice.token);
    const agent = agents.find((a) => [...a.sessions.values()].some((s) => s.open.sessionId === client.sessionId))!;
    agent.send({ case: 'data', value: { sid: 4_000_000, payload: Buffer.from('who am I') } });
    agent.send({ case: 'windowUpdate', value: { sid: 4_000_001, increment: 10 } });
    agent.send({ case: 'sessionClose', value: { sid: 4_000_002, reason: CloseReason.CLIENT_CLOSED } });
    await eventually(async () => agent.messages('sessionClose').some((m) => m.sid === 4_000_001), 5000, 20);
    const answers = agent.messages('sessionClose').filter((m) => m.sid >= 4_000_000);
    // Never answered: a SessionClose (two sides answering those would echo forever).
    expect(answers.map((m) => [m.sid, m.reason])).toEqual([
      [4_000_000, CloseReason.PROTOCOL_ERROR],
      [4_000_001, CloseReason.PROTOCOL_ERROR],
    ]);
    expect((await echo(client, Buffer.from('still here'))).toString()).toBe('still here');
    client.socket.destroy();
  });

  it('closes only the session whose agent overruns its window', async () => {
    const victim = await connectClient(gw.tcpPort, 'echo', alice.token);
    const bystander = await connectClient(gw.tcpPort, 'echo', alice.token);
    const owner = agents.find((a) => [...a.sessions.values()].some((s) => s.open.sessionId === victim.sessionId))!;
    const sid = [...owner.sessions.values()].find((s) => s.open.sessionId === victim.sessionId)!.open.sid;
    // The client stops reading, so the gateway cannot drain; the agent ignores its credit and
    // sends far more than the 1 MiB window plus what the kernel's socket buffers absorb.
    victim.socket.pause();
    const frame = Buffer.alloc(64 * 1024, 1);
    for (let i = 0; i < 24 * 16; i += 1) owner.send({ case: 'data', value: { sid, payload: frame } });

    const row = await sessionRow(victim.sessionId!);
    expect(row).toMatchObject({ endReason: 'protocol_error', endedBy: 'local' });
    const told = owner.messages('sessionClose').find((m) => m.sid === sid);
    expect(told?.reason).toBe(CloseReason.PROTOCOL_ERROR);
    expect(told?.message).toMatch(/window/);
    // The tunnel and the other session carry on.
    const payload = randomBytes(256 * 1024);
    expect(sha(await echo(bystander, payload))).toBe(sha(payload));
    expect((await gw.admin.get(`/v1/agents/${agentIds[0]}`)).body.connected).toBe(1);
    expect((await gw.admin.get(`/v1/agents/${agentIds[1]}`)).body.connected).toBe(1);
    bystander.socket.destroy();
    victim.socket.destroy();
  });
});
