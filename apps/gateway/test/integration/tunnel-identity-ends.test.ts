// Ends of identity on live sessions (docs/tunnel.md, "How an end reaches the live sessions"): a
// session opened with an OIDC JWT has no token id, and disabling its identity ends it; the agent
// is told NOT_PERMITTED, the row and the audit say identity_disabled and who did it. A token
// revoke announced by another replica on Redis ends the sessions of that token only, and a
// malformed announcement is dropped.
import { CloseReason } from '@jitgate/proto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@jitgate/testkit';
import { startGateway, type TestGateway } from '../support/gateway-harness.js';
import { startOidcTestProvider, type OidcTestProvider } from '../support/oidc-test-provider.js';
import { agentOptions, allowConnections, connectClient, createIdentity, createTcpConnection, echo, FakeAgent, registerAgent, requestGrant, startEchoServer } from '../support/tunnel-fixtures.js';

const AUDIENCE = 'https://jitgate.test';

describe('identity ends on live sessions', () => {
  let provider: OidcTestProvider;
  let gw: TestGateway;
  let target: Awaited<ReturnType<typeof startEchoServer>>;
  let agent: FakeAgent;

  beforeAll(async () => {
    provider = await startOidcTestProvider({ resources: [AUDIENCE], clients: [{ clientId: 'olivia', claims: { groups: ['dev'] } }] });
    gw = await startGateway({ env: { JITGATE_OIDC_ISSUERS: JSON.stringify([{ issuer: provider.issuer, audience: AUDIENCE, groupsClaim: 'groups' }]) } });
    target = await startEchoServer();
    await createTcpConnection(gw.admin, 'echo', target.port);
    await allowConnections(gw.admin, 'tcp', ['echo']);
    const { token } = await registerAgent(gw.admin, 'edge-1');
    agent = await FakeAgent.connect(agentOptions(gw, token, { name: 'edge-1', connections: ['echo'] }));
  });
  afterAll(async () => {
    agent?.kill();
    await target?.close();
    await gw?.close();
    await provider?.close();
  });

  const endedRow = (id: string) =>
    eventually(async () => {
      const response = await gw.admin.get(`/v1/sessions/${id}`);
      return response.body.endedAt ? response.body : null;
    });

  async function openWith(token: string) {
    const client = await connectClient(gw.tcpPort, 'echo', token);
    expect(client.line).toMatch(/^JITGATE\/1 200 /);
    expect((await echo(client, Buffer.from('hello'))).toString()).toBe('hello');
    return client;
  }

  it('disabling the identity of an OIDC session ends it within a second; the agent hears NOT_PERMITTED; the row says identity_disabled and by whom', async () => {
    const jwt = await provider.issueToken('olivia');
    const olivia = gw.api.as(jwt);
    const me = await olivia.get('/v1/identities/me');
    expect(me.body).toMatchObject({ via: 'oidc', subject: 'olivia' });
    expect((await olivia.post('/v1/access-requests', { connection: 'echo', duration: 600, reason: 'oidc session' })).body.status).toBe('approved');
    const client = await openWith(jwt);
    const opened = (await gw.admin.get(`/v1/audit?action=session.opened&target=${client.sessionId}`)).body.items;
    expect(opened[0].details).toMatchObject({ identityId: me.body.id, tokenId: null });

    const started = Date.now();
    const disabled = await gw.admin.patch(`/v1/identities/${me.body.id}`, { disabled: true });
    expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);
    expect(disabled.body.liveSessions).toEqual({ notified: true, endBy: expect.any(String) });
    expect((await client.closed) - started).toBeLessThanOrEqual(1000);

    const adminId = (await gw.admin.get('/v1/identities/me')).body.id;
    expect(await endedRow(client.sessionId!)).toMatchObject({ endReason: 'identity_disabled', endedBy: adminId });
    const session = [...agent.sessions.values()].find((s) => s.open.sessionId === client.sessionId)!;
    expect(agent.messages('sessionClose').find((m) => m.sid === session.open.sid)?.reason).toBe(CloseReason.NOT_PERMITTED);
    const closed = (await gw.admin.get(`/v1/audit?action=session.closed&target=${client.sessionId}`)).body.items;
    expect(closed[0]).toMatchObject({ details: { endReason: 'identity_disabled', endedBy: adminId } });
    // And the JWT opens nothing more.
    expect((await connectClient(gw.tcpPort, 'echo', jwt)).line).toMatch(/^JITGATE\/1 401 unauthenticated /);
  });

  it('a token revoke announced by another replica ends the sessions of that token only; a malformed announcement is dropped', async () => {
    const bea = await createIdentity(gw.admin, { subject: 'bea' });
    await requestGrant(bea, 'echo');
    const second = await gw.admin.post(`/v1/identities/${bea.id}/tokens`, { name: 'second' });
    const revokedToken = await openWith(bea.token);
    const otherToken = await openWith(second.body.token as string);
    const tokenId = (await gw.admin.get(`/v1/identities/${bea.id}/tokens`)).body.items.find((t: { name: string }) => t.name === 'bea-token').id as string;
    const redis = new Redis(gw.config.redis.url);
    try {
      await redis.publish(`${gw.config.redis.prefix}:identity-events`, JSON.stringify({ type: 'token.revoked', tokenId: 'not-a-uuid', identityId: bea.id, by: null }));
      await redis.publish(`${gw.config.redis.prefix}:identity-events`, JSON.stringify({ type: 'token.revoked', tokenId, identityId: bea.id, by: null }));
    } finally {
      redis.disconnect();
    }
    await revokedToken.closed;
    expect(await endedRow(revokedToken.sessionId!)).toMatchObject({ endReason: 'token_revoked', endedBy: 'local' });
    expect((await echo(otherToken, Buffer.from('still here'))).toString()).toBe('still here');
  });
});
