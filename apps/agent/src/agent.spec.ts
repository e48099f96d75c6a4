// The agent's fleet rules with a fake clock and fake streams: one tunnel per resolved address,
// DNS changes, and when a refusal by the gateways means giving up (agent.ts, "Fatal rule").
import { status } from '@grpc/grpc-js';
import { Backoff } from '@jitgate/tunnel';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../test/support/fake-clock.js';
import { FakeTransport, flush } from '../test/support/fake-transport.js';
import { Agent, type AgentFatal } from './agent.js';
import { LocalCredentialProvider } from './credentials/credential-provider.js';
import { SecretValue } from './credentials/secret-value.js';
import { parseGatewaySetting } from './gateway/gateway-addresses.js';
import { createLogger } from './logging/logger.js';
import { defaultTargetDialers } from './targets/target-dialer.js';

function setup(gateway: string, resolve: (host: string) => Promise<string[]> = async () => []) {
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const agent = new Agent({
    hello: { name: 'edge-1', version: '0.1.0', labels: {}, connections: ['pg'], instanceId: 'pod-1' },
    gateway: parseGatewaySetting(gateway),
    resolveIntervalMs: 30_000,
    resolve,
    transport,
    tokens: { read: async () => new SecretValue(`jga_${'k'.repeat(43)}`) },
    credentials: new LocalCredentialProvider({ readEnv: () => undefined }),
    dialers: defaultTargetDialers,
    clock,
    logger: createLogger({ level: 'silent', agent: 'edge-1', instance: 'pod-1' }),
    backoff: () => new Backoff({ random: () => 0.5 }),
  });
  let fatal: AgentFatal | undefined;
  void agent.done.then((f) => (fatal = f));
  return { clock, transport, agent, fatal: () => fatal };
}

const unauthenticated = { code: status.UNAUTHENTICATED, details: 'unknown agent token' };

describe('Agent', () => {
  it('opens one tunnel per address of a static list', async () => {
    const t = setup('10.0.0.1:8443,10.0.0.2:8443');
    t.agent.start();
    await flush();
    expect(t.transport.streams.map((s) => s.endpoint.target)).toEqual(['10.0.0.1:8443', '10.0.0.2:8443']);
    expect(t.agent.ready()).toBe(false);
    t.transport.to('10.0.0.2:8443')[0]?.welcome();
    expect(t.agent.ready()).toBe(true);
  });

  it('gives up only when every tunnel was refused', async () => {
    const t = setup('10.0.0.1:8443,10.0.0.2:8443');
    t.agent.start();
    await flush();
    t.transport.to('10.0.0.1:8443')[0]?.finish(unauthenticated);
    await flush();
    expect(t.fatal()).toBeUndefined();
    t.transport.to('10.0.0.2:8443')[0]?.finish(unauthenticated);
    await flush();
    expect(t.fatal()?.reason).toMatch(/refused the agent token/);
  });

  it('re-asks a refusing replica slowly while another one still works', async () => {
    const t = setup('10.0.0.1:8443,10.0.0.2:8443');
    t.agent.start();
    await flush();
    t.transport.to('10.0.0.2:8443')[0]?.welcome();
    t.transport.to('10.0.0.1:8443')[0]?.finish(unauthenticated);
    t.clock.advance(119_999);
    await flush();
    expect(t.transport.to('10.0.0.1:8443')).toHaveLength(1);
    t.clock.advance(1);
    await flush();
    expect(t.transport.to('10.0.0.1:8443')).toHaveLength(2);
    expect(t.fatal()).toBeUndefined();
  });

  it('follows DNS: new replicas get a tunnel, vanished ones end with their stream', async () => {
    let answer = ['10.1.0.1', '10.1.0.2'];
    const t = setup('gw.jitgate.svc:8443', async () => answer);
    t.agent.start();
    await flush();
    expect(t.transport.streams.map((s) => [s.endpoint.target, s.endpoint.name?.host])).toEqual([
      ['10.1.0.1:8443', 'gw.jitgate.svc'],
      ['10.1.0.2:8443', 'gw.jitgate.svc'],
    ]);
    const first = t.transport.to('10.1.0.1:8443')[0];
    // A heartbeat interval longer than the test's clock moves, so liveness does not drop it.
    first?.welcome({ heartbeatIntervalMs: 60_000 });
    answer = ['10.1.0.2', '10.1.0.3'];
    t.clock.advance(30_000);
    await flush();
    expect(t.transport.to('10.1.0.3:8443')).toHaveLength(1);
    // 10.1.0.1 is ready: its stream goes on until it ends, and is then not re-dialled.
    expect(first?.cancelled).toBe(false);
    first?.finish({ code: status.UNAVAILABLE, details: 'replica stopped' });
    t.clock.advance(10_000);
    await flush();
    expect(t.transport.to('10.1.0.1:8443')).toHaveLength(1);
    expect(
      t.agent
        .snapshot()
        .map((s) => s.gateway)
        .sort(),
    ).toEqual(['10.1.0.2:8443', '10.1.0.3:8443']);
  });

  it('keeps its tunnels when DNS fails, and retries resolution sooner while it has none', async () => {
    let fail = true;
    const t = setup('gw.jitgate.svc:8443', async () => (fail ? Promise.reject(new Error('ENOTFOUND')) : ['10.1.0.1']));
    t.agent.start();
    await flush();
    expect(t.transport.streams).toHaveLength(0);
    expect(t.clock.nextDelay()).toBeLessThan(30_000);
    fail = false;
    t.clock.advance(t.clock.nextDelay() ?? 0);
    await flush();
    expect(t.transport.streams).toHaveLength(1);
    t.transport.streams[0]?.welcome({ heartbeatIntervalMs: 60_000 });
    fail = true;
    t.clock.advance(30_000);
    await flush();
    expect(t.transport.streams[0]?.cancelled).toBe(false);
    expect(t.agent.snapshot()).toHaveLength(1);
  });

  it('stops every tunnel and stops resolving on stop()', async () => {
    const t = setup('gw.jitgate.svc:8443', async () => ['10.1.0.1', '10.1.0.2']);
    t.agent.start();
    await flush();
    for (const stream of t.transport.streams) stream.welcome();
    const stopped = t.agent.stop();
    for (const stream of t.transport.streams) {
      expect(stream.halfClosed).toBe(true);
      stream.finish({ code: status.OK, details: 'OK' });
    }
    await stopped;
    expect(t.agent.snapshot().every((s) => s.state === 'closed')).toBe(true);
    t.clock.advance(600_000);
    await flush();
    expect(t.transport.streams).toHaveLength(2);
  });
});
