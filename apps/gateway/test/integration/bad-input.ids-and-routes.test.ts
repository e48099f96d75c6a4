// Bad input, through HTTP, on real Postgres and Redis: what the URL names — connections that do
// not exist or are archived, path ids that are not UUIDs or are unknown, routes and methods that
// do not exist, bad query strings — gets a clear 4xx in the one error shape and writes nothing.
// Set-up and `unchanged` (the audit chain, the list endpoints and every table's row count, before
// and after): test/support/bad-input-suite.ts; the error shape: test/support/error-assertions.ts.
import { describe, expect, it } from 'vitest';
import { useBadInputSuite } from '../support/bad-input-suite.js';
import { expectError, expectInvalid } from '../support/error-assertions.js';
import type { ApiClient } from '@jitgate/testkit';

describe('bad input', () => {
  const suite = useBadInputSuite();

  it('answers 404 for an unknown connection and refuses an archived one', async () => {
    await suite.unchanged(async () => {
      expectError(await suite.alice.api.post('/v1/access-requests', { connection: 'no-such-db', duration: '5m', reason: 'x' }), 404, 'not_found', /connection "no-such-db"/);
      // old-db matches the auto-approve rule: only its archival stops the request.
      expectError(await suite.alice.api.post('/v1/access-requests', { connection: 'old-db', duration: '5m', reason: 'x' }), 404, 'not_found', /connection "old-db"/);
      expectError(await suite.gw.admin.patch(`/v1/connections/${suite.archivedId}`, { description: 'revive' }), 409, 'conflict', /archived/);
      expect((await suite.alice.api.get('/v1/grants/check?connection=old-db')).body.allowed).toBe(false);
    });
  });

  it('answers 400 for non-UUID path parameters and 404 for unknown UUIDs, on every route', async () => {
    // [method, path, parameter, a body that is valid for the route]
    const routes: Array<[string, (id: string) => string, string, unknown]> = [
      ['GET', (id) => `/v1/identities/${id}`, 'id', undefined],
      ['PATCH', (id) => `/v1/identities/${id}`, 'id', { displayName: 'x' }],
      ['GET', (id) => `/v1/identities/${id}/tokens`, 'id', undefined],
      ['POST', (id) => `/v1/identities/${id}/tokens`, 'id', { name: 'x' }],
      ['POST', (id) => `/v1/identities/${suite.alice.id}/tokens/${id}/revoke`, 'tokenId', {}],
      ['GET', (id) => `/v1/connections/${id}`, 'id', undefined],
      ['PATCH', (id) => `/v1/connections/${id}`, 'id', { description: 'x' }],
      ['DELETE', (id) => `/v1/connections/${id}`, 'id', undefined],
      ['GET', (id) => `/v1/policies/${id}`, 'id', undefined],
      ['PUT', (id) => `/v1/policies/${id}`, 'id', { rules: [{ name: 'r', effect: 'deny' }] }],
      ['DELETE', (id) => `/v1/policies/${id}`, 'id', undefined],
      ['GET', (id) => `/v1/access-requests/${id}`, 'id', undefined],
      ['POST', (id) => `/v1/access-requests/${id}/approve`, 'id', {}],
      ['POST', (id) => `/v1/access-requests/${id}/deny`, 'id', {}],
      ['POST', (id) => `/v1/access-requests/${id}/cancel`, 'id', {}],
      ['GET', (id) => `/v1/grants/${id}`, 'id', undefined],
      ['POST', (id) => `/v1/grants/${id}/revoke`, 'id', {}],
      ['POST', (id) => `/v1/grants/${id}/release`, 'id', {}],
    ];
    const badIds = ['abc', '123', "1'%20OR%20'1'%3D'1", '00000000-0000-0000-0000-00000000000g', '%00', '%F0%9F%94%A5', `${suite.alice.id}x`];
    const unknownId = '6f1c2f3e-5a4b-4c3d-9e8f-7a6b5c4d3e2f';
    await suite.unchanged(async () => {
      for (const [method, path, param, body] of routes) {
        for (const id of badIds) {
          expectError(await suite.gw.admin.request(method, path(id), body), 400, 'validation_failed', new RegExp(`"${param}" must be a UUID`));
        }
        expectError(await suite.gw.admin.request(method, path(unknownId), body), 404, 'not_found', new RegExp(`"${unknownId}" was not found`));
      }
    });
  });

  it('answers unknown routes and methods with a 404 in the same shape, with or without a token', async () => {
    await suite.unchanged(async () => {
      for (const client of [suite.gw.admin, suite.gw.api]) {
        for (const [method, path] of [
          ['GET', '/v1/nope'],
          ['GET', '/'],
          ['GET', '/v2/identities'],
          ['GET', '/.env'],
          ['POST', '/v1/identities/me/tokens/x/y'],
          ['DELETE', '/v1/identities'],
          ['PUT', '/v1/access-requests'],
          ['GET', '/v1/identities%2F..%2F..%2Fetc%2Fpasswd'],
        ] as const) {
          const res = await client.request(method, path, method === 'GET' || method === 'DELETE' ? undefined : {});
          expectError(res, 404, 'not_found');
        }
      }
    });
  });

  it('refuses bad query strings', async () => {
    const cases: Array<[ApiClient, string, string]> = [
      [suite.gw.admin, '/v1/identities?limit=0', 'limit'],
      [suite.gw.admin, '/v1/identities?limit=abc', 'limit'],
      [suite.gw.admin, '/v1/identities?limit=100000', 'limit'],
      [suite.gw.admin, '/v1/identities?limit=1&limit=2', 'limit'],
      [suite.gw.admin, '/v1/identities?after=1', 'after'],
      [suite.gw.admin, '/v1/identities?admin=true', 'admin'],
      [suite.gw.admin, '/v1/connections?includeArchived=yes', 'includeArchived'],
      [suite.alice.api, '/v1/access-requests?status=bogus', 'status'],
      [suite.alice.api, '/v1/grants?active=1', 'active'],
      [suite.alice.api, '/v1/grants/check', 'connection'],
      [suite.alice.api, "/v1/grants/check?connection='%3B%20DROP%20TABLE%20grants%3B%20--", 'connection'],
      [suite.gw.admin, '/v1/audit?from=yesterday', 'from'],
      [suite.gw.admin, '/v1/audit?after=-1', 'after'],
      [suite.gw.admin, '/v1/audit?action=grant.stolen', 'action'],
    ];
    await suite.unchanged(async () => {
      for (const [client, path, field] of cases) expectInvalid(await client.get(path), field);
    });
  });
});
