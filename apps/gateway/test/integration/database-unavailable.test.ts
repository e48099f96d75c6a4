// The control database out of reach (issue 15's first case): the gateway is pointed at its
// database through a TCP relay the test owns, and the relay is cut, so the machine's PostgreSQL is
// never touched. The REST API answers 503 `unavailable` with Retry-After (not 500 `internal`),
// readiness says the database is down, a new session is refused as unavailable on every front
// (the client port's line, the Postgres port's SQLSTATE 57P03, the HTTP port's 503), no answer
// names the database's address; and when the relay is back, all of it recovers without a restart.
import { JITGATE_ERROR_HEADER } from '@jitgate/contracts';
import { connectClient, connectPg, createMigratedDatabase, eventually, type PgError, queryDatabase, TcpRelay, type TestIdentity, within } from '@jitgate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway-harness.js';
import { agentOptions, allowConnections, createIdentity, createTcpConnection, FakeAgent, registerAgent, requestGrant, startEchoServer } from '../support/tunnel-fixtures.js';

const DATABASE_TIMEOUT_S = 2;

/** A liveness bound, not a timing check: a frozen database used to hold a call until TCP gave up (minutes). */
const answered = <T>(call: Promise<T>, what: string): Promise<T> => within(call, 10 * DATABASE_TIMEOUT_S * 1000, what);

describe('the control database out of reach', () => {
  let database: Awaited<ReturnType<typeof createMigratedDatabase>>;
  let relay: TcpRelay;
  let gw: TestGateway;

  beforeAll(async () => {
    database = await createMigratedDatabase('jitgate_db_down');
    const url = new URL(database.url);
    relay = new TcpRelay({ host: url.hostname, port: Number(url.port || 5432) });
    await relay.start();
    gw = await startGateway({ databaseUrl: relay.urlThrough(database.url), env: { JITGATE_DATABASE_TIMEOUT: `${DATABASE_TIMEOUT_S}s` } });
  });
  afterAll(async () => {
    await gw?.close();
    await relay?.cutOff();
    await database?.drop();
  });

  /** An echo target, a tcp connection to it served by an agent, and someone granted it; `run`, then all of it goes. */
  async function withEchoGrant(name: string, run: (holder: TestIdentity) => Promise<void>): Promise<void> {
    const target = await startEchoServer();
    await createTcpConnection(gw.admin, name, target.port);
    const { token } = await registerAgent(gw.admin, `edge-${name}`);
    const agent = await FakeAgent.connect(agentOptions(gw, token, { name: `edge-${name}`, connections: [name], instanceId: `edge-${name}` }));
    try {
      await allowConnections(gw.admin, name, [name]);
      const holder = await createIdentity(gw.admin, { subject: `holder-${name}` });
      await requestGrant(holder, name);
      await run(holder);
    } finally {
      agent.kill();
      await target.close();
    }
  }

  it('a session that ends while the database is away has its end recorded once, when it is back', async () => {
    await withEchoGrant('echo-db-down', async (bob) => {
      const client = await connectClient(gw.tcpPort, 'echo-db-down', bob.token);
      expect(client.sessionId, client.line).toBeDefined();

      await relay.cutOff();
      client.socket.end();
      await new Promise((resolve) => client.socket.once('close', resolve));
      // Long enough for the first write of the end to fail on the cut relay.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await relay.start();

      const row = await eventually(async () => {
        const read = await gw.admin.get(`/v1/sessions/${client.sessionId}`);
        return read.body.endedAt ? read.body : undefined;
      }, 20_000);
      expect(row).toMatchObject({ endReason: 'client_closed', active: false });
      const closed = await gw.admin.get(`/v1/audit?action=session.closed&target=${client.sessionId}`);
      expect(closed.body.items).toHaveLength(1);
      expect((await gw.admin.get('/v1/audit/verify')).body.ok).toBe(true);
    });
  });

  it('answers 503 unavailable with Retry-After, readiness false, and refuses new sessions as unavailable; then recovers by itself', async () => {
    expect((await gw.admin.get('/v1/connections')).status).toBe(200);

    await relay.cutOff();
    const listed = await gw.admin.get('/v1/connections');
    expect(listed.status, JSON.stringify(listed.body)).toBe(503);
    expect(listed.body.error).toMatchObject({ code: 'unavailable', message: 'the gateway cannot reach its database right now; retry shortly' });
    expect(listed.headers.get('retry-after')).toBe('5');
    expect(JSON.stringify(listed.body)).not.toContain(String(relay.port));
    const created = await gw.admin.post('/v1/identities', { kind: 'human', subject: 'carol' });
    expect(created.status).toBe(503);
    const ready = await gw.api.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.database).toBe('down');
    const client = await connectClient(gw.tcpPort, 'anything', gw.adminToken);
    expect(client.line).toMatch(/^JITGATE\/1 503 unavailable the gateway cannot reach its database right now; retry shortly$/);
    const psql = await connectPg(`postgresql://alice:${gw.adminToken}@127.0.0.1:${gw.pgPort}/orders-db?sslmode=disable`).then(
      () => undefined,
      (error: PgError) => error,
    );
    expect(psql?.code, psql?.message).toBe('57P03');
    expect(psql?.message).toBe('jitgate: the gateway cannot reach its database right now; retry shortly');
    const proxied = await fetch(`http://127.0.0.1:${gw.httpPort}/c/orders-api/v1/things`, { headers: { authorization: `Bearer ${gw.adminToken}` } });
    expect(proxied.status).toBe(503);
    expect(proxied.headers.get(JITGATE_ERROR_HEADER)).toBe('unavailable');
    expect(proxied.headers.get('retry-after')).toBe('5');
    expect(await proxied.text()).toContain('the gateway cannot reach its database right now; retry shortly');

    await relay.start();
    const again = await gw.admin.get('/v1/connections');
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect((await gw.api.get('/readyz')).status).toBe(200);
  });

  it('out of disk for writes (53100 on the session row): a new session is refused as unavailable, not as internal; with room again it opens', async () => {
    await withEchoGrant('echo-disk', async (carol) => {
      // Reads work, writes of session rows fail as a full disk makes them fail.
      await queryDatabase(
        database.url,
        `CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = '53100'; END $$;
         CREATE TRIGGER sessions_disk_full BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION disk_full();`,
      );
      const refused = await connectClient(gw.tcpPort, 'echo-disk', carol.token);
      expect(refused.line).toBe('JITGATE/1 503 unavailable the gateway cannot reach its database right now; retry shortly');

      await queryDatabase(database.url, 'DROP TRIGGER sessions_disk_full ON sessions; DROP FUNCTION disk_full();');
      const opened = await connectClient(gw.tcpPort, 'echo-disk', carol.token);
      expect(opened.sessionId, opened.line).toBeDefined();
      opened.socket.end();
    });
  });

  it('frozen (connections open, nothing answers): calls answer 503 unavailable within JITGATE_DATABASE_TIMEOUT, sessions are refused as unavailable; thawed, all recovers', async () => {
    expect((await gw.admin.get('/v1/connections')).status).toBe(200);
    relay.freeze();
    try {
      const listed = await answered(gw.admin.get('/v1/connections'), 'a REST call');
      expect(listed.status, JSON.stringify(listed.body)).toBe(503);
      expect(listed.body.error.code).toBe('unavailable');
      const client = await answered(connectClient(gw.tcpPort, 'anything', gw.adminToken), 'a new session');
      expect(client.line).toMatch(/^JITGATE\/1 503 unavailable /);
    } finally {
      relay.thaw();
    }
    await eventually(async () => (await gw.admin.get('/v1/connections')).status === 200, 20_000);
    expect((await gw.api.get('/readyz')).status).toBe(200);
  }, 60_000);
});
