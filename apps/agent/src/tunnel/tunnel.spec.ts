// The tunnel state machine (tunnel-state.ts) walked with a fake clock and a fake stream: every
// delay is asserted to the millisecond and nothing sleeps.
import { status } from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { ConnectionAssignmentSchema } from '@jitgate/proto';
import { Backoff } from '@jitgate/tunnel';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { FakeTransport, flush } from '../../test/support/fake-transport.js';
import { LocalCredentialProvider } from '../credentials/credential-provider.js';
import { SecretValue } from '../credentials/secret-value.js';
import type { TokenSource } from '../credentials/token-source.js';
import { createLogger } from '../logging/logger.js';
import { defaultTargetDialers } from '../targets/target-dialer.js';
import { canTransition, type TunnelState } from './tunnel-state.js';
import { DEFAULT_TIMING, TunnelConnection } from './tunnel-connection.js';
import { Tunnel } from './tunnel.js';

const TOKEN = `jga_${'k'.repeat(43)}`;

function setup(tokens: TokenSource = { read: async () => new SecretValue(TOKEN) }) {
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const states: TunnelState[] = [];
  const tunnel = new Tunnel({
    endpoint: { target: '10.0.0.1:8443' },
    hello: { name: 'edge-1', version: '0.1.0', labels: { zone: 'a' }, connections: ['pg'], instanceId: 'pod-1' },
    transport,
    tokens,
    credentials: new LocalCredentialProvider({ readEnv: () => undefined }),
    dialers: defaultTargetDialers,
    clock,
    logger: createLogger({ level: 'silent', agent: 'edge-1', instance: 'pod-1' }),
    // random 0.5 → no jitter: 1000, 1600, 2560 … ms.
    backoff: new Backoff({ random: () => 0.5 }),
    timing: { welcomeTimeoutMs: 15_000, defaultHeartbeatMs: 5_000, drainTimeoutMs: 5_000, dialTimeoutMs: 10_000 },
    hooks: { onStateChange: (_t, _from, to) => states.push(to), onGrantRevoked: () => {} },
  });
  return { clock, transport, tunnel, states };
}

describe('tunnel state table', () => {
  it.each<[TunnelState, TunnelState, boolean]>([
    ['connecting', 'ready', true],
    ['connecting', 'backoff', true],
    ['connecting', 'closed', true],
    ['connecting', 'draining', false],
    ['ready', 'draining', true],
    ['ready', 'backoff', true],
    ['ready', 'closed', true],
    ['ready', 'connecting', false],
    ['draining', 'closed', true],
    ['draining', 'ready', false],
    ['draining', 'backoff', false],
    ['backoff', 'connecting', true],
    ['backoff', 'ready', false],
    ['closed', 'connecting', false],
  ])('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
  });
});

describe('Tunnel', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it('sends Hello first, with the token only in the call metadata, and becomes ready on Welcome', async () => {
    t.tunnel.start();
    await flush();
    const stream = t.transport.last();
    expect(stream.token).toBe(TOKEN);
    expect(stream.cases()).toEqual(['hello']);
    const hello = stream.written[0]?.msg;
    expect(hello?.case === 'hello' && hello.value).toMatchObject({ name: 'edge-1', connections: ['pg'], instanceId: 'pod-1', labels: { zone: 'a' } });
    expect(t.tunnel.state).toBe('connecting');
    stream.welcome();
    expect(t.states).toEqual(['ready']);
  });

  it('reconnects with backoff (1 s, ×1.6) and starts over once a tunnel was ready', async () => {
    t.tunnel.start();
    await flush();
    t.transport.last().finish({ code: status.UNAVAILABLE, details: 'connection refused' });
    expect(t.tunnel.state).toBe('backoff');
    expect(t.clock.nextDelay()).toBe(1000);
    t.clock.advance(999);
    expect(t.transport.streams).toHaveLength(1);
    t.clock.advance(1);
    await flush();
    expect(t.transport.streams).toHaveLength(2);
    t.transport.last().finish({ code: status.UNAVAILABLE, details: 'again' });
    expect(t.clock.nextDelay()).toBe(1600);
    t.clock.advance(1600);
    await flush();
    t.transport.last().welcome();
    t.transport.last().finish({ code: status.INTERNAL, details: 'stream reset' });
    expect(t.clock.nextDelay()).toBe(1000);
    expect(t.states).toEqual(['backoff', 'connecting', 'backoff', 'connecting', 'ready', 'backoff']);
  });

  it('stops for good on UNAUTHENTICATED', async () => {
    t.tunnel.start();
    await flush();
    t.transport.last().finish({ code: status.UNAUTHENTICATED, details: 'unknown agent token' });
    expect(t.tunnel.state).toBe('closed');
    expect(t.tunnel.fatal).toMatch(/refused the agent token/);
    t.clock.advance(600_000);
    await flush();
    expect(t.transport.streams).toHaveLength(1);
  });

  it('treats PERMISSION_DENIED after ready (agent revoked) as fatal too', async () => {
    t.tunnel.start();
    await flush();
    t.transport.last().welcome();
    t.transport.last().finish({ code: status.PERMISSION_DENIED, details: 'agent revoked' });
    expect(t.states).toEqual(['ready', 'closed']);
  });

  it('drops a gateway that never sends Welcome', async () => {
    t.tunnel.start();
    await flush();
    t.clock.advance(15_000);
    expect(t.transport.last().cancelled).toBe(true);
    await flush();
    expect(t.tunnel.state).toBe('backoff');
  });

  it('drops a stream whose first message is not Welcome', async () => {
    t.tunnel.start();
    await flush();
    t.transport.last().send({ case: 'heartbeat', value: { $typeName: 'jitgate.tunnel.v1.Heartbeat', sentAtUnixMs: 1n } });
    await flush();
    expect(t.tunnel.state).toBe('backoff');
  });

  it('sends heartbeats at the Welcome interval and drops the stream after 3 silent intervals', async () => {
    t.tunnel.start();
    await flush();
    const stream = t.transport.last();
    stream.welcome({ heartbeatIntervalMs: 1000 });
    t.clock.advance(1000);
    expect(stream.cases().filter((c) => c === 'heartbeat')).toHaveLength(1);
    t.clock.advance(1000);
    stream.send({ case: 'heartbeat', value: { $typeName: 'jitgate.tunnel.v1.Heartbeat', sentAtUnixMs: 1n } });
    t.clock.advance(2000);
    expect(stream.cancelled).toBe(false);
    t.clock.advance(1000);
    expect(stream.cancelled).toBe(true);
    await flush();
    expect(t.tunnel.state).toBe('backoff');
  });

  it('drains on stop: half-closes the call, closes once the gateway ends it', async () => {
    t.tunnel.start();
    await flush();
    const stream = t.transport.last();
    stream.welcome();
    const stopped = t.tunnel.stop();
    expect(t.tunnel.state).toBe('draining');
    expect(stream.halfClosed).toBe(true);
    stream.finish({ code: status.OK, details: 'OK' });
    await stopped;
    expect(t.states).toEqual(['ready', 'draining', 'closed']);
  });

  it('cancels a drain the gateway never finishes', async () => {
    t.tunnel.start();
    await flush();
    t.transport.last().welcome();
    const stopped = t.tunnel.stop();
    t.clock.advance(5000);
    expect(t.transport.last().cancelled).toBe(true);
    await stopped;
    expect(t.tunnel.state).toBe('closed');
  });

  it('stops at once from backoff and never dials again', async () => {
    t.tunnel.start();
    await flush();
    t.transport.last().finish({ code: status.UNAVAILABLE, details: 'down' });
    await t.tunnel.stop();
    t.clock.advance(600_000);
    await flush();
    expect(t.transport.streams).toHaveLength(1);
    expect(t.states).toEqual(['backoff', 'closed']);
  });

  it('retires: keeps a ready stream, closes instead of reconnecting when it ends', async () => {
    t.tunnel.start();
    await flush();
    t.transport.last().welcome();
    t.tunnel.retire();
    expect(t.tunnel.state).toBe('ready');
    t.transport.last().finish({ code: status.UNAVAILABLE, details: 'replica gone' });
    expect(t.tunnel.state).toBe('closed');
  });

  it('retries when the token file cannot be read (a rotation in progress)', async () => {
    let fail = true;
    t = setup({ read: async () => (fail ? Promise.reject(new Error('token file /t cannot be read (ENOENT)')) : new SecretValue(TOKEN)) });
    t.tunnel.start();
    await flush();
    expect(t.tunnel.state).toBe('backoff');
    expect(t.transport.streams).toHaveLength(0);
    fail = false;
    t.clock.advance(1000);
    await flush();
    expect(t.transport.streams).toHaveLength(1);
  });
});

describe('TunnelConnection backpressure', () => {
  it('is not writable while the stream buffer is full, and writable again on drain', () => {
    const clock = new FakeClock();
    const transport = new FakeTransport();
    const connection = new TunnelConnection({
      endpoint: { target: '10.0.0.1:8443' },
      hello: { name: 'edge-1', version: '0.1.0', labels: {}, connections: ['pg'], instanceId: 'pod-1' },
      token: new SecretValue(TOKEN),
      transport,
      credentials: new LocalCredentialProvider({ readEnv: () => undefined }),
      dialers: defaultTargetDialers,
      clock,
      logger: createLogger({ level: 'silent', agent: 'edge-1', instance: 'pod-1' }),
      timing: DEFAULT_TIMING,
      onWelcome: () => {},
      onGrantRevoked: () => {},
      onEnd: () => {},
    });
    connection.open();
    const stream = transport.last();
    stream.welcome({ connections: [create(ConnectionAssignmentSchema, { name: 'pg', type: 'tcp', settingsJson: '{"host":"127.0.0.1","port":1}' })] });
    expect(connection.writable()).toBe(true);
    stream.writeResult = false;
    clock.advance(1000); // a heartbeat goes into the full buffer
    expect(stream.cases()).toContain('heartbeat');
    expect(connection.writable()).toBe(false);
    stream.drain();
    expect(connection.writable()).toBe(true);
  });
});
