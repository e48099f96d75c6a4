// What the agent tells the gateway when it connects, and what it never tells anyone.
import { afterEach, describe, expect, it } from 'vitest';
import { startHealthServer } from '../src/health/health-server.js';
import { AGENT_TOKEN, parsedLogs, startAgent, type Harness } from './support/agent-harness.js';
import { EchoServer } from './support/echo-server.js';
import { TestGateway } from './support/test-gateway.js';

const DB_PASSWORD = 'pg-Sup3r-Secret-Passw0rd';

let gateway: TestGateway;
let echo: EchoServer;
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.stop();
  harness = undefined;
  await gateway?.close();
  await echo?.close();
});

describe('Hello', () => {
  it('carries name, version, labels, instance and connections, the token only as metadata, and never a credential', async () => {
    echo = await EchoServer.start();
    gateway = await TestGateway.start({
      token: AGENT_TOKEN,
      assignments: [
        { name: 'echo', settings: { host: '127.0.0.1', port: echo.port }, credentialRef: 'env:DB_PASSWORD' },
        { name: 'other', settings: { host: '127.0.0.1', port: echo.port }, credentialRef: 'env:NOT_SET_ANYWHERE' },
      ],
    });
    harness = startAgent({ gateway: gateway.address, connections: ['echo', 'other', 'unknown-conn'], env: { DB_PASSWORD } });
    const tunnel = await gateway.nextTunnel();

    expect(tunnel.hello).toMatchObject({ name: 'edge-1', version: '0.1.0-test', labels: { zone: 'test' }, instanceId: 'pod-1', connections: ['echo', 'other', 'unknown-conn'] });
    expect(tunnel.metadata.get('authorization')).toEqual([`Bearer ${AGENT_TOKEN}`]);

    // Use the tunnel so that session frames are on the wire too.
    const session = await tunnel.openSession({ connection: 'echo' });
    session.client?.end('ping');
    await session.ended;

    const everything = Buffer.concat(tunnel.receivedBytes);
    expect(everything.includes(Buffer.from(DB_PASSWORD))).toBe(false);
    expect(everything.includes(Buffer.from(AGENT_TOKEN))).toBe(false);

    // The missing credential is reported at connect time, by reference, and no log line has a secret.
    await expect
      .poll(() => parsedLogs(harness?.logs ?? []).find((l) => l.msg === 'credential not available'))
      .toMatchObject({
        connection: 'other',
        credentialRef: 'env:NOT_SET_ANYWHERE',
        gateway: gateway.address,
        agent: 'edge-1',
      });
    expect(parsedLogs(harness.logs).find((l) => l.msg === 'the gateway refused a connection this agent offered')).toMatchObject({ connection: 'unknown-conn' });
    const allLogs = harness.logs.join('\n');
    expect(allLogs).not.toContain(DB_PASSWORD);
    expect(allLogs).not.toContain(AGENT_TOKEN);
  });

  it('answers /healthz always and /readyz once a tunnel is ready', async () => {
    echo = await EchoServer.start();
    gateway = await TestGateway.start({ token: AGENT_TOKEN, assignments: [] });
    harness = startAgent({ gateway: '127.0.0.1:1', connections: ['echo'] });
    const health = await startHealthServer(harness.agent, '127.0.0.1', 0);
    try {
      const get = (path: string) => fetch(`http://127.0.0.1:${health.port}${path}`);
      expect((await get('/healthz')).status).toBe(200);
      const notReady = await get('/readyz');
      expect(notReady.status).toBe(503);
      await harness.stop();

      harness = startAgent({ gateway: gateway.address, connections: ['echo'] });
      const second = await startHealthServer(harness.agent, '127.0.0.1', 0);
      await gateway.nextTunnel();
      await expect.poll(async () => (await fetch(`http://127.0.0.1:${second.port}/readyz`)).status).toBe(200);
      const body = (await (await fetch(`http://127.0.0.1:${second.port}/readyz`)).json()) as { tunnels: unknown[] };
      expect(body.tunnels).toEqual([{ gateway: gateway.address, state: 'ready', sessions: 0 }]);
      await second.close();
    } finally {
      await health.close();
    }
  });
});
