// The gateway split by run mode (docs/architecture.md, "Run modes"): one process serves the API
// (JITGATE_MODE=api), one runs the jobs (worker), two carry the data path (data); all on one
// database and one Redis prefix, with a real agent dialling both data replicas and the real CLI.
// Request, approve, connect through either data replica, expire (the worker's job) and revoke
// (the API's call, heard by both data replicas through Redis), end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataPathStack, type CliForwarder } from '../support/data-path-stack.js';
import { ApiClient, connectClient, createIdentity, createPolicy, createTcpConnection, eventually, type TestIdentity } from '@jitgate/testkit';

const API = 0;
const WORKER = 1;
const DATA = [2, 3] as const;

describe('split deployment: api + worker + two data replicas', () => {
  let stack: DataPathStack;
  let bob: TestIdentity;

  beforeAll(async () => {
    stack = await DataPathStack.start('split', {
      modes: ['api', 'worker', 'data', 'data'],
      async beforeAgent(stack) {
        // `held`: one approval from the dba group, for the approval round trip.
        await createTcpConnection(stack.admin(API), 'held', stack.echo.port);
        await createPolicy(stack.admin(API), 'held', [{ name: 'one-dba', effect: 'require-approval', match: { connection: { names: ['held'] } }, approvals: { count: 1, groups: ['dba'] } }]);
      },
      agentOptions: { connections: ['echo', 'pg', 'held'] },
    });
    bob = await createIdentity(stack.admin(API), { subject: 'bob', groups: ['dba'] });
  }, 180_000);
  afterAll(async () => {
    await stack?.dispose();
  });

  async function sessionThrough(replica: number, connection = 'echo'): Promise<{ cli: CliForwarder; client: Awaited<ReturnType<CliForwarder['open']>> }> {
    const cli = await stack.connect(connection, replica);
    const client = await cli.open();
    const payload = Buffer.from(`through ${stack.gatewayIds[replica]}`);
    expect((await client.echo(payload)).equals(payload)).toBe(true);
    return { cli, client };
  }

  it('each process runs only its mode: health everywhere, the API and its description only on api', async () => {
    const expected = [['api'], ['worker'], ['data'], ['data']];
    for (const [replica, modes] of expected.entries()) {
      const gateway = stack.gateways[replica];
      const api = new ApiClient(gateway!.baseUrl, stack.adminToken);
      expect((await api.get('/healthz')).body, stack.gatewayIds[replica]).toEqual({ status: 'ok', modes });
      expect((await api.get('/readyz')).status).toBe(200);
      expect((await api.get('/metrics')).status).toBe(200);
      const hasApi = replica === API;
      expect((await api.get('/v1/connections')).status, `${stack.gatewayIds[replica]} /v1`).toBe(hasApi ? 200 : 404);
      expect((await api.get('/openapi.json')).status, `${stack.gatewayIds[replica]} /openapi.json`).toBe(hasApi ? 200 : 404);
    }
    // Only the data replicas listen on the data ports.
    for (const replica of [API, WORKER]) {
      await expect(new ApiClient(`http://127.0.0.1:${stack.gateways[replica]!.tcpPort}`, '').get('/')).rejects.toThrow();
    }
  });

  it('the API lists the agent as connected to both data replicas, though it holds no tunnel itself', async () => {
    const agent = (await stack.admin(API).get(`/v1/agents/${stack.agentRecord.id}`)).body;
    expect(agent.connected).toBe(2);
    expect(agent.instances.map((i: { gatewayId: string }) => i.gatewayId).sort()).toEqual([stack.gatewayIds[DATA[0]], stack.gatewayIds[DATA[1]]]);
  });

  it('request, approve, connect through either data replica; a revoke on the API cuts both within 1 s', async () => {
    const requested = await stack.alice.api.post('/v1/access-requests', { connection: 'held', duration: 3600, reason: 'split e2e' });
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    expect(requested.body.status).toBe('pending');
    // No grant yet: each data replica refuses the handshake itself.
    for (const replica of DATA) {
      const refused = await connectClient(stack.gateways[replica]!.tcpPort, 'held', stack.alice.token);
      expect(refused.line).toMatch(/^JITGATE\/1 403 no_grant /);
    }

    const approved = await bob.api.post(`/v1/access-requests/${requested.body.id}/approve`, { comment: 'ok' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const grant = (await stack.alice.api.get(`/v1/access-requests/${requested.body.id}`)).body.grant;
    expect(grant?.status).toBe('active');

    const viaA = await sessionThrough(DATA[0], 'held');
    const viaB = await sessionThrough(DATA[1], 'held');
    expect((await stack.admin(API).get(`/v1/sessions/${viaA.client.sessionId}`)).body).toMatchObject({ gatewayId: stack.gatewayIds[DATA[0]], endedAt: null });
    expect((await stack.admin(API).get(`/v1/sessions/${viaB.client.sessionId}`)).body).toMatchObject({ gatewayId: stack.gatewayIds[DATA[1]], endedAt: null });

    const revoked = await stack.admin(API).post(`/v1/grants/${grant.id}/revoke`, { reason: 'split e2e' });
    const returnedAt = Date.now();
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(revoked.body.liveSessions.notified).toBe(true);
    const [closedA, closedB] = await Promise.all([viaA.client.closed, viaB.client.closed]);
    expect(closedA - returnedAt).toBeLessThanOrEqual(1000);
    expect(closedB - returnedAt).toBeLessThanOrEqual(1000);
    expect(await stack.endedSession(viaA.client.sessionId as string, API)).toMatchObject({ gatewayId: stack.gatewayIds[DATA[0]], endReason: 'grant_revoked' });
    expect(await stack.endedSession(viaB.client.sessionId as string, API)).toMatchObject({ gatewayId: stack.gatewayIds[DATA[1]], endReason: 'grant_revoked' });
    await Promise.all([viaA.cli.run.stop(), viaB.cli.run.stop()]);

    // And the next connection is refused on both.
    for (const replica of DATA) {
      const again = await connectClient(stack.gateways[replica]!.tcpPort, 'held', stack.alice.token);
      expect(again.line).toMatch(/^JITGATE\/1 403 no_grant /);
    }
  });

  it("a grant expires by the worker's job: its row says expired, and its live session ends", async () => {
    const created = await stack.alice.api.post('/v1/access-requests', { connection: 'echo', duration: 3, reason: 'short' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const grantId = created.body.grant.id as string;
    const via = await sessionThrough(DATA[1]);
    await via.client.closed;
    // Only the worker runs the expiry job: the row's status is its work.
    await eventually(async () => {
      const response = await stack.admin(API).get(`/v1/grants/${grantId}`);
      return response.body.status === 'expired' ? response.body : null;
    }, 15_000);
    expect(await stack.endedSession(via.client.sessionId as string, API)).toMatchObject({ endReason: 'grant_expired' });
    await via.cli.run.stop();
  });

  it('a data replica killed mid-session: the other keeps serving, and the API still answers', async () => {
    await stack.requestGrant('echo');
    const survivor = await sessionThrough(DATA[1]);
    await stack.gateways[DATA[0]]!.kill('SIGKILL');
    const payload = Buffer.alloc(16 * 1024, 7);
    expect((await survivor.client.echo(payload)).equals(payload)).toBe(true);
    expect((await stack.admin(API).get('/v1/connections')).status).toBe(200);
    await survivor.cli.run.stop();
  });
});
