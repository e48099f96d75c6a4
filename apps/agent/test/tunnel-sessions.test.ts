// Sessions through the real agent, a gRPC stand-in gateway and a TCP echo target
// (docs/tunnel.md §3–6 and "Enforcement at both ends").
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type net from 'node:net';
import { CloseReason, type ConnectRequest } from '@jitgate/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_TOKEN, startAgent, type Harness } from './support/agent-harness.js';
import { EchoServer } from './support/echo-server.js';
import { TestGateway, type TestTunnel } from './support/test-gateway.js';

let gateway: TestGateway;
let echo: EchoServer;
let harness: Harness;
let tunnel: TestTunnel;

beforeAll(async () => {
  echo = await EchoServer.start();
  gateway = await TestGateway.start({
    token: AGENT_TOKEN,
    assignments: [
      { name: 'echo', settings: { host: '127.0.0.1', port: echo.port } },
      { name: 'not-offered', settings: { host: '127.0.0.1', port: echo.port } },
    ],
  });
  harness = startAgent({ gateway: gateway.address, connections: ['echo'] });
  tunnel = await gateway.nextTunnel();
});

afterAll(async () => {
  await harness.stop();
  await gateway.close();
  await echo.close();
});

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function readAll(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'end');
  return Buffer.concat(chunks);
}

async function roundTrip(socket: net.Socket, text: string): Promise<string> {
  const reply = once(socket, 'data') as Promise<[Buffer]>;
  socket.write(text);
  return (await reply)[0].toString();
}

const closeFrom = (sid: number) => (m: ConnectRequest) => m.msg.case === 'sessionClose' && m.msg.value.sid === sid;

describe('sessions', () => {
  it('carries 50 MB through the echo target intact, with half-close passed both ways', async () => {
    const session = await tunnel.openSession({ connection: 'echo' });
    expect(session.opened.ok).toBe(true);
    const client = session.client as net.Socket;
    const upload = randomBytes(50 * 1024 * 1024);
    const received = readAll(client);
    client.end(upload);
    const echoed = await received;
    expect(echoed.length).toBe(upload.length);
    expect(sha(echoed)).toBe(sha(upload));
    // Both sides half-closed: whichever socket finishes first reports the graceful end.
    expect([CloseReason.TARGET_CLOSED, CloseReason.CLIENT_CLOSED]).toContain((await session.ended).reason);
  }, 120_000);

  it('refuses a connection that is not in this tunnel’s Welcome, without dialling', async () => {
    const before = echo.connections.length;
    const session = await tunnel.openSession({ connection: 'not-offered' });
    expect(session.opened).toMatchObject({ ok: false, error: expect.stringMatching(/not assigned/) });
    expect(echo.connections.length).toBe(before);
  });

  it('refuses a grant that has already expired by the agent’s clock, without dialling', async () => {
    const before = echo.connections.length;
    const session = await tunnel.openSession({ connection: 'echo', expiresAt: Date.now() - 1000 });
    expect(session.opened).toMatchObject({ ok: false, error: expect.stringMatching(/not in force/) });
    expect(echo.connections.length).toBe(before);
  });

  it('answers a target that does not exist with SessionOpened{ok:false}', async () => {
    const badGateway = await TestGateway.start({ token: AGENT_TOKEN, assignments: [{ name: 'dead', settings: { host: '127.0.0.1', port: 1 } }] });
    const other = startAgent({ gateway: badGateway.address, connections: ['dead'] });
    try {
      const session = await (await badGateway.nextTunnel()).openSession({ connection: 'dead' });
      expect(session.opened).toMatchObject({ ok: false, error: expect.stringMatching(/unreachable \(ECONNREFUSED\)/) });
    } finally {
      await other.stop();
      await badGateway.close();
    }
  });

  it('closes the target within 1 s of grant_expires_at on its own while the gateway is frozen', async () => {
    const expiresAt = Date.now() + 1500;
    const session = await tunnel.openSession({ connection: 'echo', grantId: 'grant-short', expiresAt });
    expect(await roundTrip(session.client as net.Socket, 'hello')).toBe('hello');
    const target = echo.connections.at(-1);
    tunnel.frozen = true; // no heartbeats, no frames: as if the gateway hung
    try {
      const closedAt = await target?.closed;
      expect(closedAt).toBeDefined();
      expect((closedAt as number) - expiresAt).toBeGreaterThanOrEqual(0);
      expect((closedAt as number) - expiresAt).toBeLessThan(1000);
      const close = await tunnel.waitFor(closeFrom(session.sid), 'SessionClose after expiry');
      expect(close.msg.value).toMatchObject({ reason: CloseReason.GRANT_EXPIRED });
    } finally {
      tunnel.frozen = false;
    }
  });

  it('closes every session of a revoked grant at once, and only those', async () => {
    const a = await tunnel.openSession({ connection: 'echo', grantId: 'grant-revoked' });
    const b = await tunnel.openSession({ connection: 'echo', grantId: 'grant-revoked' });
    const c = await tunnel.openSession({ connection: 'echo', grantId: 'grant-kept' });
    for (const s of [a, b, c]) expect(await roundTrip(s.client as net.Socket, 'x')).toBe('x');
    const targets = echo.connections.slice(-3);
    tunnel.revokeGrant('grant-revoked');
    await Promise.all([targets[0]?.closed, targets[1]?.closed]);
    for (const s of [a, b]) expect((await tunnel.waitFor(closeFrom(s.sid), 'SessionClose on revoke')).msg.value).toMatchObject({ reason: CloseReason.GRANT_REVOKED });
    expect(targets[2]?.closedAt).toBeUndefined();
    expect(await roundTrip(c.client as net.Socket, 'still here')).toBe('still here');
    c.client?.destroy();
  });

  it('answers frames for an unknown sid with PROTOCOL_ERROR for that sid only', async () => {
    const live = await tunnel.openSession({ connection: 'echo' });
    tunnel.sendData(4242, Buffer.from('who?'));
    tunnel.sendWindowUpdate(4243, 10);
    expect((await tunnel.waitFor(closeFrom(4242), 'PROTOCOL_ERROR for 4242')).msg.value).toMatchObject({ reason: CloseReason.PROTOCOL_ERROR });
    expect((await tunnel.waitFor(closeFrom(4243), 'PROTOCOL_ERROR for 4243')).msg.value).toMatchObject({ reason: CloseReason.PROTOCOL_ERROR });
    expect(await roundTrip(live.client as net.Socket, 'unaffected')).toBe('unaffected');
    live.client?.destroy();
  });

  it.each([
    ['a data frame over 64 KiB', (t: TestTunnel, sid: number) => t.sendData(sid, Buffer.alloc(64 * 1024 + 1))],
    [
      'data after half-close',
      (t: TestTunnel, sid: number) => {
        t.sendHalfClose(sid);
        t.sendData(sid, Buffer.from('late'));
      },
    ],
    ['a zero window update', (t: TestTunnel, sid: number) => t.sendWindowUpdate(sid, 0)],
    ['a window update that overflows the window', (t: TestTunnel, sid: number) => t.sendWindowUpdate(sid, 2 ** 31)],
  ])('closes only the offending session on %s', async (_name, misbehave) => {
    const bystander = await tunnel.openSession({ connection: 'echo' });
    const victim = await tunnel.openSession({ connection: 'echo' });
    expect(await roundTrip(victim.client as net.Socket, 'v')).toBe('v');
    const victimTarget = echo.connections.at(-1);
    misbehave(tunnel, victim.sid);
    expect((await tunnel.waitFor(closeFrom(victim.sid), 'PROTOCOL_ERROR close')).msg.value).toMatchObject({ reason: CloseReason.PROTOCOL_ERROR });
    await victimTarget?.closed;
    expect(await roundTrip(bystander.client as net.Socket, 'fine')).toBe('fine');
    expect(harness.agent.ready()).toBe(true);
    bystander.client?.destroy();
  });
});
