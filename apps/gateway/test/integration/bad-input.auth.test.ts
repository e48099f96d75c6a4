// Bad input, through HTTP, on real Postgres and Redis: missing, malformed, forged, revoked,
// expired and disabled-identity credentials get a 401 (a valid token without the rights a 403) in
// the one error shape, never echo the token, and write nothing.
// Set-up and `unchanged` (the audit chain, the list endpoints and every table's row count, before
// and after): test/support/bad-input-suite.ts; the error shape: test/support/error-assertions.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useBadInputSuite } from '../support/bad-input-suite.js';
import { expectError } from '../support/error-assertions.js';
import { createIdentity, sleep } from '@jitgate/testkit';

describe('bad input', () => {
  const suite = useBadInputSuite();

  describe('authentication', () => {
    const me = (authorization?: string) => suite.gw.api.request('GET', '/v1/identities/me', undefined, authorization === undefined ? {} : { authorization });

    it('answers 401 with WWW-Authenticate for missing and malformed Authorization headers', async () => {
      await suite.unchanged(async () => {
        const missing = await me();
        expectError(missing, 401, 'unauthenticated', /Authorization: Bearer/);
        expect(missing.headers.get('www-authenticate')).toBe('Bearer');
        for (const header of [
          'Basic YWxpY2U6cGFzc3dvcmQ=',
          'Bearer',
          'Bearer ',
          `Bearer ${suite.alice.token} ${suite.alice.token}`,
          `Bearer ${suite.alice.token},${suite.bob.token}`,
          `Token ${suite.alice.token}`,
          suite.alice.token,
          `Bearer\t\t`,
        ]) {
          const res = await me(header);
          expect(res.status, `${JSON.stringify(header)}: ${JSON.stringify(res.body)}`).toBe(401);
          expectError(res, 401, 'unauthenticated');
          expect(res.headers.get('www-authenticate')).toBe('Bearer');
          expect(JSON.stringify(res.body)).not.toContain(suite.alice.token);
        }
        // A refused token never reaches a write, whatever the body.
        const write = await suite.gw.api.request('POST', '/v1/access-requests', { connection: 'scratch-db', duration: '5m', reason: 'x' }, { authorization: `Bearer ${suite.alice.token} extra` });
        expectError(write, 401, 'unauthenticated');
      });
    });

    it('answers 401 for forged, revoked, expired and disabled-identity tokens', async () => {
      const short = await suite.gw.admin.post(`/v1/identities/${suite.target.id}/tokens`, { name: 'one second', ttl: 1 });
      expect(short.status, JSON.stringify(short.body)).toBe(201);
      const toRevoke = await suite.gw.admin.post(`/v1/identities/${suite.target.id}/tokens`, { name: 'to revoke' });
      expect((await suite.gw.admin.post(`/v1/identities/${suite.target.id}/tokens/${toRevoke.body.id}/revoke`)).status).toBe(200);
      const disabledIdentity = await createIdentity(suite.gw.admin, { subject: 'leaver', groups: ['dev'] });
      expect((await disabledIdentity.api.get('/v1/identities/me')).status).toBe(200);
      expect((await suite.gw.admin.patch(`/v1/identities/${disabledIdentity.id}`, { disabled: true })).status).toBe(200);
      await sleep(1100);

      await suite.unchanged(async () => {
        const forged = `jg_${randomBytes(32).toString('base64url')}`;
        const cases: Array<[string, RegExp]> = [
          [forged, /not valid/],
          [`${suite.alice.token.slice(0, -1)}${suite.alice.token.endsWith('A') ? 'B' : 'A'}`, /not valid/],
          ['jg_short', /neither a jitgate token nor a JWT/],
          [toRevoke.body.token, /revoked/],
          [short.body.token, /expired/],
          [disabledIdentity.token, /disabled/],
        ];
        for (const [token, message] of cases) {
          const res = await me(`Bearer ${token}`);
          expectError(res, 401, 'unauthenticated', message);
          expect(JSON.stringify(res.body)).not.toContain(token);
          const write = await suite.gw.api.request('POST', '/v1/access-requests', { connection: 'scratch-db', duration: '5m', reason: 'x' }, { authorization: `Bearer ${token}` });
          expectError(write, 401, 'unauthenticated', message);
        }
      });
    });

    it('answers 401 for JWT-looking tokens when no OIDC issuer is configured, without calling out', async () => {
      expect(suite.gw.config.auth.oidcIssuers).toEqual([]);
      // A server the token points at: the gateway must not fetch its keys.
      let hits = 0;
      const server: Server = createServer((_req, res) => {
        hits += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const tokens = [
        `${randomBytes(24).toString('base64url')}.${randomBytes(48).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
        `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ iss: issuer, sub: 'mallory', aud: 'jitgate', exp: now + 600, groups: ['jitgate-admins'] })}.${randomBytes(256).toString('base64url')}`,
        `${b64({ alg: 'none' })}.${b64({ iss: issuer, sub: 'mallory', exp: now + 600, groups: ['jitgate-admins'] })}.`,
        `${b64({ alg: 'HS256' })}.${b64({ sub: 'mallory', groups: ['jitgate-admins'] })}.${randomBytes(32).toString('base64url')}`,
      ];
      try {
        await suite.unchanged(async () => {
          for (const token of tokens) {
            const res = await me(`Bearer ${token}`);
            expectError(res, 401, 'unauthenticated');
            expect(JSON.stringify(res.body)).not.toContain(token.split('.')[2] || '<no signature>');
          }
        });
        expect(hits).toBe(0);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    it('answers 403 in the same shape for a valid token without the rights', async () => {
      await suite.unchanged(async () => {
        expectError(await suite.alice.api.post('/v1/identities', { kind: 'human', subject: 'by-alice' }), 403, 'forbidden', /admin/);
        expectError(await suite.alice.api.get('/v1/audit'), 403, 'forbidden', /auditor/);
        expectError(await suite.alice.api.post(`/v1/grants/${suite.grantId}/revoke`, { reason: 'x' }), 403, 'forbidden');
      });
    });
  });
});
