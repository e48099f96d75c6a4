// The REST answers the CLI reads, from the real gateway, parsed with the schemas the CLI parses
// them with (@jitgate/contracts): a presenter that drops or renames a field the CLI needs fails
// here, not in a user's terminal. The requests are typed and checked as the CLI sends them.
import {
  accessRequestDecisionSchema,
  accessRequestSchema,
  apiErrorBodySchema,
  connectionListSchema,
  createAccessRequestBody,
  grantCheckSchema,
  grantListSchema,
  identitySchema,
  isErrorCode,
  type NewAccessRequest,
} from '@jitgate/contracts';
import { createConnection, createIdentity, createPolicy, type TestIdentity } from '@jitgate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway-harness.js';

describe('the REST shapes of @jitgate/contracts, against the gateway', () => {
  let gw: TestGateway;
  let alice: TestIdentity;

  beforeAll(async () => {
    gw = await startGateway();
    alice = await createIdentity(gw.admin, { subject: 'alice', groups: ['dev'] });
    await createConnection(gw.admin, 'scratch-db', {});
    await createPolicy(gw.admin, 'contracts', [{ name: 'dev-auto', effect: 'auto-approve', match: { identity: { groups: ['dev'] } }, maxDuration: '1h' }]);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('answers `jitgate whoami`, `request`, `grants` and `connect` in the shapes the CLI reads', async () => {
    const me = identitySchema.parse((await alice.api.get('/v1/identities/me')).body);
    expect(me).toMatchObject({ subject: 'alice', issuer: 'jitgate', kind: 'human', groups: ['dev'] });

    const request: NewAccessRequest = { connection: 'scratch-db', duration: '30m', reason: 'contract check', scope: 'read-only' };
    expect(createAccessRequestBody.safeParse(request).success).toBe(true);
    const created = await alice.api.post('/v1/access-requests', request);
    expect(created.status).toBe(201);
    const approved = accessRequestSchema.parse(created.body);
    expect(approved).toMatchObject({ status: 'approved', connection: { name: 'scratch-db', type: 'postgres' }, scope: 'read-only' });
    expect(accessRequestDecisionSchema.parse(approved.decision)).toEqual({ rule: { policy: 'contracts', rule: 'dev-auto' } });
    expect(accessRequestSchema.parse((await alice.api.get(`/v1/access-requests/${approved.id}`)).body).grant?.id).toBe(approved.grant?.id);

    const grants = grantListSchema.parse((await alice.api.get('/v1/grants?active=true')).body);
    expect(grants.items).toEqual([expect.objectContaining({ id: approved.grant?.id, connection: 'scratch-db', connectionType: 'postgres', inForce: true })]);

    const check = grantCheckSchema.parse((await alice.api.get('/v1/grants/check?connection=scratch-db')).body);
    expect(check).toMatchObject({ allowed: true, grantId: approved.grant?.id, scope: 'read-only' });

    const found = connectionListSchema.parse((await alice.api.get('/v1/connections?name=scratch-db')).body);
    expect(found.items).toEqual([{ name: 'scratch-db', type: 'postgres' }]);
  });

  it('refuses connection settings the contract refuses with 400 validation_failed, never a 500', async () => {
    for (const settings of [{ url: 'not a url' }, { url: 'https://mcp.example.com/mcp?key=1' }, { url: 'https://mcp.example.com/mcp', token: 'secret' }]) {
      const answer = await gw.admin.post('/v1/connections', { name: 'tools', type: 'mcp', agentGroup: 'default', settings });
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(apiErrorBodySchema.parse(answer.body).error.code).toBe('validation_failed');
    }
  });

  it("answers a failure with the error body and one of the contract's codes", async () => {
    for (const answer of [await alice.api.get('/v1/access-requests/00000000-0000-4000-8000-000000000000'), await alice.api.post('/v1/access-requests', { connection: 'scratch-db' })]) {
      const body = apiErrorBodySchema.parse(answer.body);
      expect(isErrorCode(body.error.code)).toBe(true);
      expect(body.error.requestId).toEqual(expect.any(String));
    }
  });
});
