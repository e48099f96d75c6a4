// The tunnel's life against a real gRPC server: drops, reconnects, refusal, shutdown, and two
// replicas at once.
import { once } from 'node:events';
import type net from 'node:net';
import grpc from '@grpc/grpc-js';
import { CloseReason, type ConnectRequest } from '@jitgate/proto';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_TOKEN, parsedLogs, startAgent, type Harness } from './support/agent-harness.js';
import { EchoServer } from './support/echo-server.js';
import { TestGateway } from './support/test-gateway.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function world(gateways = 1) {
  const echo = await EchoServer.start();
  cleanups.push(() => echo.close());
  const list: TestGateway[] = [];
  for (let i = 0; i < gateways; i += 1) {
    const gateway = await TestGateway.start({ token: AGENT_TOKEN, assignments: [{ name: 'echo', settings: { host: '127.0.0.1', port: echo.port } }] });
    cleanups.push(() => gateway.close());
    list.push(gateway);
  }
  return { echo, gateways: list };
}

function agent(gateway: string, token?: string): Harness {
  const harness = startAgent({ gateway, connections: ['echo'], token });
  cleanups.push(() => harness.stop());
  return harness;
}

async function roundTrip(socket: net.Socket, text: string): Promise<string> {
  const reply = once(socket, 'data') as Promise<[Buffer]>;
  socket.write(text);
  return (await reply)[0].toString();
}

describe('tunnel lifecycle', () => {
  it('closes every session when the stream drops, then reconnects after a backoff delay', async () => {
    const { echo, gateways } = await world();
    const gateway = gateways[0] as TestGateway;
    agent(gateway.address);
    const first = await gateway.nextTunnel();
    const sessions = [await first.openSession({ connection: 'echo' }), await first.openSession({ connection: 'echo' })];
    for (const s of sessions) expect(await roundTrip(s.client as net.Socket, 'x')).toBe('x');
    const targets = echo.connections.slice(-2);

    const droppedAt = Date.now();
    const reconnected = gateway.nextTunnel();
    first.drop(grpc.status.UNAVAILABLE, 'gateway restarting');
    const closedAt = await Promise.all(targets.map((t) => t.closed));
    for (const at of closedAt) expect(at - droppedAt).toBeLessThan(500);

    const second = await reconnected;
    // Backoff: 1 s ±20% before the first retry (Backoff defaults, docs/tunnel.md).
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(750);
    const again = await second.openSession({ connection: 'echo' });
    expect(await roundTrip(again.client as net.Socket, 'back')).toBe('back');
    again.client?.destroy();
  });

  it('stops retrying when the gateway says UNAUTHENTICATED, and says why', async () => {
    const { gateways } = await world();
    const gateway = gateways[0] as TestGateway;
    const harness = agent(gateway.address, `jga_${'w'.repeat(43)}`);
    const fatal = await harness.agent.done;
    expect(fatal.reason).toMatch(/refused the agent token: unknown or revoked agent token/);
    expect(gateway.rejected).toEqual([grpc.status.UNAUTHENTICATED]);
    // Longer than the first backoff delay (≤ 1.2 s): still exactly one attempt.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(gateway.connectAttempts).toBe(1);
    expect(harness.agent.snapshot()).toEqual([{ gateway: gateway.address, state: 'closed', sessions: 0 }]);
    expect(parsedLogs(harness.logs).some((l) => l.level === 'fatal' && l.msg === 'every gateway refused this agent; giving up')).toBe(true);
  });

  it('shuts down gracefully: SHUTDOWN to each session, targets closed, the call ended', async () => {
    const { echo, gateways } = await world();
    const gateway = gateways[0] as TestGateway;
    const harness = agent(gateway.address);
    const tunnel = await gateway.nextTunnel();
    const session = await tunnel.openSession({ connection: 'echo' });
    expect(await roundTrip(session.client as net.Socket, 'x')).toBe('x');
    const target = echo.connections.at(-1);

    await harness.stop();
    const close = await tunnel.waitFor((m: ConnectRequest) => m.msg.case === 'sessionClose' && m.msg.value.sid === session.sid, 'SessionClose');
    expect(close.msg.value).toMatchObject({ reason: CloseReason.SHUTDOWN });
    await target?.closed;
    await tunnel.ended;
    expect(harness.agent.snapshot().map((s) => s.state)).toEqual(['closed']);
    expect(harness.agent.ready()).toBe(false);
  });

  it('holds one tunnel per gateway replica, and a revoke from one replica closes the grant everywhere', async () => {
    const { echo, gateways } = await world(2);
    const [a, b] = gateways as [TestGateway, TestGateway];
    agent(`${a.address},${b.address}`);
    const [ta, tb] = await Promise.all([a.nextTunnel(), b.nextTunnel()]);
    const onA = await ta.openSession({ connection: 'echo', grantId: 'grant-x' });
    const onB = await tb.openSession({ connection: 'echo', grantId: 'grant-x' });
    for (const s of [onA, onB]) expect(await roundTrip(s.client as net.Socket, 'x')).toBe('x');
    const targets = echo.connections.slice(-2);

    ta.revokeGrant('grant-x');
    await Promise.all(targets.map((t) => t.closed));
    const closeOnB = await tb.waitFor((m) => m.msg.case === 'sessionClose' && m.msg.value.sid === onB.sid, 'SessionClose on replica B');
    expect(closeOnB.msg.value).toMatchObject({ reason: CloseReason.GRANT_REVOKED });
  });
});
