// The network between the gateway and the agent failing, with real processes (issue 15): the
// agent runs in a network namespace of this suite's own (support/network-namespace.ts); its
// link to the gateway is partitioned (every packet dropped silently, both ways) or slowed (tbf),
// while its link to the targets (an echo server, and the machine's PostgreSQL through a relay)
// stays up, so that what the agent does on the target side is seen on the target itself.
// docs/tunnel.md, "When the network between gateway and agent fails", states what is checked.
// Needs root (ip netns, veth, tc): without it the suite fails in beforeAll, it does not skip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { connectClient, createConnection, createIdentity, eventually, requestGrant, sleep, TcpRelay, type TestGrant, type TestIdentity } from '@jitgate/testkit';
import { AGENT_GROUP, DataPathStack, EchoTarget, type EchoSocket, streamThroughEcho } from '../support/data-path-stack.js';
import { expectAuditChainIntact } from '../support/e2e-support.js';
import { AgentNetwork } from '../support/network-namespace.js';

const HEARTBEAT_MS = 1_000;
/** docs/tunnel.md §2: a side that hears nothing for 3 intervals drops the stream; plus room for a busy machine. */
const NOTICE_BOUND_MS = 3 * HEARTBEAT_MS + 10_000;
/** The agent's backoff after a failed dial (up to ~15 s while the SYNs are dropped) and a new Welcome. */
const RECONNECT_BOUND_MS = 45_000;
const ECHO = 'net-echo';
const PG = 'net-pg';
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROLE = `jitgate_e2e_netpart_${process.pid}`;

async function adminQuery<R extends pg.QueryResultRow>(sql: string, values: unknown[] = [], database?: string): Promise<R[]> {
  const url = new URL(ADMIN_URL);
  if (database) url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

describe('faults: the network between gateway and agent', () => {
  let network: AgentNetwork;
  let echo: EchoTarget;
  let relay: TcpRelay;
  let stack: DataPathStack;
  let bob: TestIdentity;

  beforeAll(async () => {
    network = AgentNetwork.create();
    echo = await EchoTarget.start(network.targetHost);
    relay = new TcpRelay({ host: '127.0.0.1', port: 5432 }, network.targetHost);
    await relay.start();
    await adminQuery(`DROP ROLE IF EXISTS ${ROLE}`);
    // The agent's login on the target: no privilege beyond logging in (a network test reads `SELECT 1`).
    await adminQuery(`CREATE ROLE ${ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`);
    stack = await DataPathStack.start('netpart', {
      // The tunnel listens where the agent's namespace can reach it; short heartbeats keep it quick.
      gatewayEnv: { HOST: '0.0.0.0', JITGATE_TUNNEL_HEARTBEAT: `${HEARTBEAT_MS / 1000}s` },
      agentOptions: { exec: network.exec, gatewayHost: network.gatewayHost, connections: [ECHO, PG], env: { NETPG_PASSWORD: 'unused-with-trust' } },
      beforeAgent: async (s) => {
        const admin = s.admin();
        await createConnection(admin, ECHO, { type: 'tcp', agentGroup: AGENT_GROUP, settings: { host: network.targetHost, port: echo.port }, credentialRef: undefined });
        await createConnection(admin, PG, {
          agentGroup: AGENT_GROUP,
          settings: { host: network.targetHost, port: relay.port, database: 'postgres', user: ROLE, sslmode: 'disable' },
          credentialRef: 'env:NETPG_PASSWORD',
        });
        const policy = await admin.post('/v1/policies', { name: 'net', rules: [{ name: 'auto', effect: 'auto-approve', match: { connection: { names: [ECHO, PG] } }, maxDuration: '24h' }] });
        if (policy.status !== 201) throw new Error(`policy: ${policy.status} ${JSON.stringify(policy.body)}`);
      },
    });
    bob = await createIdentity(stack.admin(), { subject: 'bob', groups: ['dev'] });
    await stack.requestGrant(ECHO);
    await stack.requestGrant(PG);
  });

  afterAll(async () => {
    await stack?.dispose();
    await relay?.cutOff();
    await echo?.close();
    network?.disposeSync();
    await adminQuery(`DROP ROLE IF EXISTS ${ROLE}`).catch(() => undefined);
  });

  function pgClient(): pg.Client {
    const client = new pg.Client({ host: '127.0.0.1', port: stack.gateway.pgPort, database: PG, user: 'alice', password: stack.alice.token });
    return client;
  }

  async function backendAlive(pid: number): Promise<boolean> {
    return (await adminQuery('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length === 1;
  }

  async function closedAudit(sessionId: string): Promise<unknown[]> {
    const response = await stack.admin().get(`/v1/audit?action=session.closed&target=${sessionId}`);
    expect(response.status).toBe(200);
    return response.body.items as unknown[];
  }

  // State the partition test leaves for the healing one.
  const lost: { echoSession?: string; pgSession?: string; bobGrant?: TestGrant; bobTarget?: EchoSocket; bobReceived?: number } = {};

  it('a silent partition: the gateway ends the live sessions as tunnel_lost, the agent closes their target side by itself, a grant revoked meanwhile is closed too', async () => {
    lost.bobGrant = await requestGrant(bob, ECHO);

    // alice: an echo session through `jitgate connect`, and a postgres session on the pg port.
    const cli = await stack.connect(ECHO);
    const echoIndex = echo.sockets.length;
    const client = await cli.open();
    expect((await client.echo(Buffer.from('before'))).toString()).toBe('before');
    const target = echo.sockets[echoIndex] as EchoSocket;
    const pgc = pgClient();
    const pgErrors: Array<{ code?: string; message: string }> = [];
    pgc.on('error', (error: Error & { code?: string }) => pgErrors.push({ code: error.code, message: error.message }));
    await pgc.connect();
    const pid = Number((await pgc.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
    expect(await backendAlive(pid)).toBe(true);
    const pgSession = await eventually(async () => {
      const items = (await stack.admin().get(`/v1/sessions?connection=${PG}&view=all`)).body.items as Array<{ id: string; endedAt: string | null }>;
      return items.find((s) => !s.endedAt)?.id ?? null;
    });
    // bob: an echo session on his own grant, opened with the handshake line.
    const bobIndex = echo.sockets.length;
    const bobSession = await connectClient(stack.gateway.tcpPort, ECHO, bob.token);
    expect(bobSession.line).toMatch(/^JITGATE\/1 200 /);
    bobSession.socket.write('bob-before');
    await eventually(async () => (echo.sockets[bobIndex]?.received ?? 0) === 10, 10_000, 20);
    const bobTarget = echo.sockets[bobIndex] as EchoSocket;

    const agentOutputBefore = stack.agent?.stdout.length ?? 0;
    const partitionedAt = Date.now();
    network.partition();
    // Written into the partition, then the grant is revoked: these bytes must never reach the target.
    bobSession.socket.write('bob-stale');
    const revoked = await stack.admin().post(`/v1/grants/${lost.bobGrant.id}/revoke`, { reason: 'revoked during the partition' });
    expect(revoked.status).toBe(200);

    // The gateway notices through heartbeats: each session ends, the client sees it, the row says why.
    await expect(Promise.race([client.closed, sleep(NOTICE_BOUND_MS).then(() => 'timeout')])).resolves.not.toBe('timeout');
    const echoRow = await stack.endedSession(client.sessionId as string);
    expect(echoRow).toMatchObject({ endReason: 'tunnel_lost', endedBy: 'local' });
    const own = await stack.alice.api.get(`/v1/sessions/${client.sessionId}`);
    expect(own.body.endReason).toBe('tunnel_lost');
    await eventually(async () => pgErrors.length > 0, NOTICE_BOUND_MS, 50);
    expect(pgErrors[0]).toMatchObject({ code: '08006', message: expect.stringContaining('the agent carrying this session is gone') });
    expect((await stack.endedSession(pgSession)).endReason).toBe('tunnel_lost');
    await bobSession.closed;
    expect((await stack.endedSession(bobSession.sessionId as string)).endReason).toBe('grant_revoked');

    // The agent, cut off, closes its target side by itself, while the partition still holds.
    await eventually(async () => target.closedAt !== undefined && bobTarget.closedAt !== undefined && !(await backendAlive(pid)), NOTICE_BOUND_MS, 50);
    expect(Date.now() - partitionedAt).toBeLessThan(NOTICE_BOUND_MS);
    expect(stack.agent?.stdout.slice(agentOutputBefore)).toMatch(/tunnel down/);
    expect(bobTarget.received).toBe(10);
    console.log(`partition: echo target closed ${(target.closedAt as number) - partitionedAt} ms, gateway row ended ${Date.parse(echoRow.endedAt) - partitionedAt} ms after the partition began`);

    Object.assign(lost, { echoSession: client.sessionId, pgSession, bobTarget, bobReceived: bobTarget.received });
    await cli.run.stop();
    await pgc.end().catch(() => undefined);
  });

  it('after the partition heals the same agent reconnects by itself and new sessions work; each lost session was closed exactly once', async () => {
    expect(lost.echoSession, 'the partition test ran first').toBeDefined();
    const agentRun = stack.agent;
    const healedAt = Date.now();
    network.heal();
    await stack.waitAgentConnected([stack.gateway], RECONNECT_BOUND_MS);
    console.log(`heal: agent connected again ${Date.now() - healedAt} ms after the partition healed`);
    expect(stack.agent).toBe(agentRun);
    expect(stack.agent?.exit).toBeUndefined();

    const cli = await stack.connect(ECHO);
    const client = await cli.open();
    expect((await client.echo(Buffer.from('after the heal'))).toString()).toBe('after the heal');
    const pgc = pgClient();
    pgc.on('error', () => {});
    await pgc.connect();
    expect((await pgc.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await pgc.end();

    // The revoked grant: no session of it opens again, and nothing of it reached the target after the revoke.
    const refused = await connectClient(stack.gateway.tcpPort, ECHO, bob.token);
    expect(refused.line).toMatch(/^JITGATE\/1 403 no_grant /);
    await sleep(2 * HEARTBEAT_MS); // room for stale frames to arrive, if anything still carried them
    expect(lost.bobTarget?.received).toBe(lost.bobReceived);

    // Exactly one end each, whatever the reconnected agent or the sweeper said since.
    for (const id of [lost.echoSession, lost.pgSession] as string[]) {
      expect((await stack.admin().get(`/v1/sessions/${id}`)).body.endReason).toBe('tunnel_lost');
      expect(await closedAudit(id)).toHaveLength(1);
    }
    client.socket.end();
    await cli.run.stop();
    await expectAuditChainIntact(stack.admin());
  });

  it('a slow link (tbf 1 mbit/s each way) carries sessions whole, more slowly, and heartbeats do not cut it', async () => {
    const agentOutputBefore = stack.agent?.stdout.length ?? 0;
    network.slow('1mbit');
    try {
      const cli = await stack.connect(ECHO);
      const total = 2 * 1024 * 1024;
      const result = await streamThroughEcho(cli.port, total, 15);
      expect(result.received).toBe(total);
      expect(result.receivedHash).toBe(result.sentHash);
      const pgc = pgClient();
      pgc.on('error', () => {});
      await pgc.connect();
      const big = await pgc.query<{ n: number }>("SELECT length(string_agg(md5(g::text), '')) AS n FROM generate_series(1, 20000) g");
      expect(Number(big.rows[0]?.n)).toBe(20000 * 32);
      await pgc.end();
      console.log(`slow link: 2 MiB echoed in ${result.ms} ms`);
      await cli.run.stop();
    } finally {
      network.heal();
    }
    // The same tunnel all along: no drop, no reconnect.
    const agentOutput = stack.agent?.stdout.slice(agentOutputBefore) ?? '';
    expect(agentOutput).not.toMatch(/tunnel down/);
    expect(agentOutput).not.toMatch(/tunnel ready/);
  }, 120_000);
});
