// The client handshake on JITGATE_TCP_PORT (docs/tunnel.md, "Clients"): every status line of
// the table, on real loopback sockets, and the gateway closing the connection after each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway-harness.js';
import { createConnection } from '@jitgate/testkit';
import {
  agentOptions,
  allowConnections,
  closedPort,
  connectClient,
  createIdentity,
  createTcpConnection,
  FakeAgent,
  rawClient,
  registerAgent,
  requestGrant,
  startEchoServer,
  type TestIdentity,
} from '../support/tunnel-fixtures.js';

describe('client handshake', () => {
  let gw: TestGateway;
  let target: Awaited<ReturnType<typeof startEchoServer>>;
  let alice: TestIdentity;
  let bob: TestIdentity;
  let agent: FakeAgent;

  beforeAll(async () => {
    gw = await startGateway();
    target = await startEchoServer();
    alice = await createIdentity(gw.admin, { subject: 'alice' });
    bob = await createIdentity(gw.admin, { subject: 'bob' });
    await createTcpConnection(gw.admin, 'echo', target.port);
    await createTcpConnection(gw.admin, 'dead', await closedPort());
    await createTcpConnection(gw.admin, 'refused-by-agent', target.port);
    await createTcpConnection(gw.admin, 'no-agent-here', target.port, 'nobody');
    await createConnection(gw.admin, 'pg', { agentGroup: 'edge' });
    await allowConnections(gw.admin, 'tcp', ['echo', 'dead', 'refused-by-agent', 'no-agent-here', 'pg']);
    const { token } = await registerAgent(gw.admin, 'edge-1');
    agent = await FakeAgent.connect(
      agentOptions(
        gw,
        token,
        { name: 'edge-1', connections: ['echo', 'dead', 'refused-by-agent'] },
        {
          onSessionOpen: (open) => (open.connection === 'refused-by-agent' ? { refuse: 'credential env:X is not set' } : 'dial'),
        },
      ),
    );
    for (const connection of ['echo', 'dead', 'refused-by-agent', 'no-agent-here', 'pg']) await requestGrant(alice, connection);
  });
  afterAll(async () => {
    agent?.kill();
    await target?.close();
    await gw?.close();
  });

  /** Sends `line`, expects one status line and then the gateway's FIN. */
  async function refused(send: string | Buffer, expected: RegExp) {
    const client = await rawClient(gw.tcpPort, send);
    expect(client.line).toMatch(expected);
    expect((await client.rest()).length).toBe(0);
    return client.line;
  }

  it('answers 200 and the session id, then carries bytes', async () => {
    const client = await connectClient(gw.tcpPort, 'echo', alice.token);
    expect(client.line).toMatch(/^JITGATE\/1 200 [0-9a-f-]{36}$/);
    client.socket.end();
  });

  it.each([
    ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'not the line'],
    ['JITGATE/1 CONNECT echo\n', 'a missing token'],
    ['JITGATE/1 CONNECT echo tok extra\n', 'an extra word'],
    [Buffer.concat([Buffer.from('JITGATE/1 CONNECT '), Buffer.from([0xc3, 0xa9]), Buffer.from(' tok\n')]), 'non-ASCII'],
  ])('answers 400 bad_handshake to %j (%s)', async (line, _why) => {
    await refused(line, /^JITGATE\/1 400 bad_handshake /);
  });

  it('answers 400 to a line longer than 40 KiB without reading on', async () => {
    const line = await refused(`JITGATE/1 CONNECT echo ${'a'.repeat(41 * 1024)}\n`, /^JITGATE\/1 400 bad_handshake /);
    expect(line).toMatch(/longer than 40960 bytes/);
    // The 40 KiB bound leaves room for a large JWT.
    expect((await rawClient(gw.tcpPort, `JITGATE/1 CONNECT echo ${'a'.repeat(39 * 1024)}\n`)).line).toMatch(/^JITGATE\/1 401 /);
  });

  it('answers 400 when no line comes within 10 s', async () => {
    const started = Date.now();
    const line = await refused(Buffer.from('JITGATE/1 CONN'), /^JITGATE\/1 400 bad_handshake no handshake line within 10 s$/);
    expect(line).toBeTruthy();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(9_900);
    expect(waited).toBeLessThan(11_500);
  }, 20_000);

  it('answers 401 to a token that is not valid', async () => {
    await refused(`JITGATE/1 CONNECT echo jg_${'x'.repeat(43)}\n`, /^JITGATE\/1 401 unauthenticated the token is not valid$/);
    await refused('JITGATE/1 CONNECT echo nonsense\n', /^JITGATE\/1 401 unauthenticated /);
    const { token } = await registerAgent(gw.admin, 'not-a-user');
    await refused(`JITGATE/1 CONNECT echo ${token}\n`, /^JITGATE\/1 401 unauthenticated /);
  });

  it('answers 404 to an unknown connection and to one that is not tcp', async () => {
    await refused(`JITGATE/1 CONNECT nope ${alice.token}\n`, /^JITGATE\/1 404 not_found no tcp connection named "nope"$/);
    await refused(`JITGATE/1 CONNECT pg ${alice.token}\n`, /^JITGATE\/1 404 not_found /);
  });

  it('answers 403 without a grant in force', async () => {
    await refused(`JITGATE/1 CONNECT echo ${bob.token}\n`, /^JITGATE\/1 403 no_grant no grant in force for bob on "echo"$/);
  });

  it('answers 503 when no agent of the group is connected here', async () => {
    await refused(`JITGATE/1 CONNECT no-agent-here ${alice.token}\n`, /^JITGATE\/1 503 no_agent no agent of group "nobody"/);
  });

  it('answers 502 when the agent cannot reach the target or refuses', async () => {
    await refused(`JITGATE/1 CONNECT dead ${alice.token}\n`, /^JITGATE\/1 502 target_unreachable dial 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    await refused(`JITGATE/1 CONNECT refused-by-agent ${alice.token}\n`, /^JITGATE\/1 502 target_unreachable credential env:X is not set$/);
    // Refusals leave no session behind.
    const sessions = await gw.admin.get('/v1/sessions?view=all');
    expect(sessions.body.items.every((s: { connection: string }) => s.connection === 'echo')).toBe(true);
  });

  it('counts attempts by result', async () => {
    const metrics = (await gw.api.get('/metrics')).body as string;
    for (const result of ['ok', 'bad_handshake', 'unauthenticated', 'not_found', 'no_grant', 'no_agent', 'target_unreachable']) {
      expect(metrics).toMatch(new RegExp(`jitgate_tunnel_session_attempts_total\\{result="${result}"\\} [1-9]`));
    }
  });
});
