// OIDC through the gateway: tokens from a real OpenID provider (oidc-provider) started here,
// groups from the token's claims, admins and approvers by IdP group, key rotation, and refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection, createIdentity, createPolicy, sleep, type ApiClient, type TestIdentity } from '@jitgate/testkit';
import { startGateway, type TestGateway } from '../support/gateway-harness.js';
import { startOidcTestProvider, type OidcTestProvider } from '../support/oidc-test-provider.js';

const AUDIENCE = 'https://jitgate.test';

describe('OIDC identities through the gateway', () => {
  let provider: OidcTestProvider;
  let gw: TestGateway;
  let requester: TestIdentity;
  let approverGroups = ['dba'];

  const clientOf = (token: string): ApiClient => gw.api.as(token);

  beforeAll(async () => {
    provider = await startOidcTestProvider({
      resources: [AUDIENCE, 'https://elsewhere.test'],
      clients: [
        { clientId: 'erin', claims: () => ({ groups: approverGroups, email: 'erin@example.com' }) },
        { clientId: 'olga', claims: { groups: ['jitgate-admins'] } },
        { clientId: 'ci-pipeline', claims: { groups: ['ci'], repository: 'acme/app' } },
      ],
    });
    gw = await startGateway({
      env: {
        JITGATE_OIDC_ISSUERS: JSON.stringify([{ issuer: provider.issuer, audience: AUDIENCE, groupsClaim: 'groups', attributeClaims: ['repository'] }]),
        // Production waits 30 s before refetching a key set for an unknown key id; a second here.
        JITGATE_OIDC_JWKS_COOLDOWN: '1s',
      },
    });
    requester = await createIdentity(gw.admin, { subject: 'rita', groups: ['dev'] });
    await createConnection(gw.admin, 'billing-db');
    await createPolicy(gw.admin, 'billing', [{ name: 'dba-approves', effect: 'require-approval', match: { connection: { names: ['billing-db'] } }, approvals: { count: 1, groups: ['dba'] } }]);
  });
  afterAll(async () => {
    await gw?.close();
    await provider?.close();
  });

  it('turns a verified token into an identity with the IdP groups', async () => {
    const me = await clientOf(await provider.issueToken('erin')).get('/v1/identities/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ issuer: provider.issuer, subject: 'erin', kind: 'human', groups: ['dba'], via: 'oidc', isAdmin: false });
    expect(me.body.displayName).toBe('erin@example.com');
  });

  it('refreshes groups from the claims at every call', async () => {
    approverGroups = ['dba', 'oncall'];
    const me = await clientOf(await provider.issueToken('erin')).get('/v1/identities/me');
    expect(me.body.groups).toEqual(['dba', 'oncall']);
    approverGroups = ['dba'];
  });

  it('lets an OIDC member of the approver group approve, and an OIDC admin administer', async () => {
    const request = await requester.api.post('/v1/access-requests', { connection: 'billing-db', duration: '10m', reason: 'refund' });
    expect(request.body.status).toBe('pending');
    const erin = clientOf(await provider.issueToken('erin'));
    expect((await erin.get('/v1/access-requests?status=pending')).body.items.map((r: { id: string }) => r.id)).toContain(request.body.id);
    const approved = await erin.post(`/v1/access-requests/${request.body.id}/approve`, { comment: 'ok' });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');

    const olga = clientOf(await provider.issueToken('olga'));
    expect((await olga.get('/v1/identities')).status).toBe(200);
    expect((await erin.get('/v1/identities')).status).toBe(403);
  });

  it('copies configured claims into attributes', async () => {
    const me = await clientOf(await provider.issueToken('ci-pipeline')).get('/v1/identities/me');
    expect(me.body.attributes).toMatchObject({ repository: 'acme/app' });
  });

  it('refuses a token for another audience, a tampered token, and an unknown issuer', async () => {
    const other = await provider.issueToken('erin', 'https://elsewhere.test');
    const wrongAudience = await clientOf(other).get('/v1/identities/me');
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.body.error.code).toBe('unauthenticated');
    expect(JSON.stringify(wrongAudience.body)).not.toContain(other);

    const good = await provider.issueToken('erin');
    const [h, p, s] = good.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, groups: ['jitgate-admins'] })).toString('base64url')}.${s}`;
    expect((await clientOf(forged).get('/v1/identities')).status).toBe(401);

    const unknownIssuer = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'x' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'https://evil.test', sub: 'x', aud: AUDIENCE, exp: 9_999_999_999 })).toString('base64url')}.c2ln`;
    expect((await clientOf(unknownIssuer).get('/v1/identities/me')).status).toBe(401);
  });

  it('follows a key rotation without a restart, and stops accepting the retired key', async () => {
    const before = await provider.issueToken('erin');
    expect((await clientOf(before).get('/v1/identities/me')).status).toBe(200);
    await provider.rotateKey({ keepPrevious: false });
    await sleep(1100); // the refetch cooldown
    const after = await provider.issueToken('erin');
    expect((await clientOf(after).get('/v1/identities/me')).status).toBe(200);
    // The old key is no longer published; the gateway refetched the JWKS for the new kid.
    const stale = await clientOf(before).get('/v1/identities/me');
    expect(stale.status).toBe(401);
  });

  it('answers 503, not 401, when the provider cannot be reached to check an unknown key', async () => {
    await provider.rotateKey({ keepPrevious: false });
    const fresh = await provider.issueToken('erin');
    await provider.stop();
    await sleep(1100);
    try {
      const response = await clientOf(fresh).get('/v1/identities/me');
      expect(response.status).toBe(503);
      expect(response.body.error.code).toBe('unavailable');
    } finally {
      await provider.start();
    }
    await sleep(1100); // a failed fetch fails fast for one cooldown
    expect((await clientOf(fresh).get('/v1/identities/me')).status).toBe(200);
  });
});
