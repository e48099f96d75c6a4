// The health probes and request ids, through HTTP: /healthz and /readyz answer without a token,
// and every response carries an X-Request-Id — a sane incoming one echoed, anything else replaced
// by a fresh UUID — that error bodies quote.
// The set-up every openapi-metrics file shares: test/support/openapi-metrics-suite.ts.
import { describe, expect, it } from 'vitest';
import type { ApiResponse } from '@jitgate/testkit';
import { useOpenApiMetricsSuite } from '../support/openapi-metrics-suite.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('OpenAPI, metrics, health and request ids', () => {
  const suite = useOpenApiMetricsSuite();

  describe('health', () => {
    it('answers /healthz and /readyz without a token', async () => {
      const live = await suite.gw.api.get('/healthz');
      expect(live.status).toBe(200);
      expect(live.body).toEqual({ status: 'ok', modes: ['api', 'worker', 'data'] });
      const ready = await suite.gw.api.get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ok', checks: { database: 'ok', redis: 'ok' } });
      // A token, even a bad one, changes nothing for the probes.
      expect((await suite.gw.api.request('GET', '/readyz', undefined, { authorization: 'Bearer nonsense' })).status).toBe(200);
    });
  });

  describe('X-Request-Id', () => {
    const idOf = (res: ApiResponse) => res.headers.get('x-request-id');
    const bodyId = (res: ApiResponse) => (res.body as { error?: { requestId?: string } }).error?.requestId;

    it('is on every response, fresh for each request', async () => {
      const responses = [
        await suite.gw.api.get('/healthz'),
        await suite.gw.api.get('/readyz'),
        await suite.gw.api.get('/metrics'),
        await suite.gw.api.get('/openapi.json'),
        await suite.alice.api.get('/v1/identities/me'),
        await suite.alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '1m', reason: 'id' }),
        await suite.gw.api.get('/v1/identities/me'), // 401
        await suite.alice.api.get('/v1/audit'), // 403
        await suite.gw.admin.get('/v1/nowhere'), // 404
        await suite.gw.admin.request('POST', '/v1/identities', '{"broken"'), // 400 from the body parser
        await suite.gw.admin.request('POST', '/v1/identities', 'x', { 'content-type': 'text/plain' }), // 415
        await suite.gw.admin.request('POST', '/v1/identities', JSON.stringify({ kind: 'human', subject: 'big', displayName: 'x'.repeat(suite.gw.config.http.bodyLimitBytes) })), // 413
      ];
      const ids = responses.map(idOf);
      for (const [i, id] of ids.entries()) expect(id, `response ${i} (${responses[i]?.status})`).toMatch(UUID);
      expect(new Set(ids).size).toBe(ids.length);
      // Error bodies quote the same id.
      for (const res of responses.filter((r) => r.status >= 400)) expect(bodyId(res), String(res.status)).toBe(idOf(res));
    });

    it('echoes a sane incoming id, in the header and in error bodies', async () => {
      for (const id of ['abc-123', 'trace.0001_A', 'a'.repeat(64), '6f1c2f3e-5a4b-4c3d-9e8f-7a6b5c4d3e2f']) {
        const ok = await suite.alice.api.request('GET', '/v1/identities/me', undefined, { 'x-request-id': id });
        expect(idOf(ok)).toBe(id);
        const unauthenticated = await suite.gw.api.request('GET', '/v1/identities/me', undefined, { 'x-request-id': id });
        expect([idOf(unauthenticated), bodyId(unauthenticated)]).toEqual([id, id]);
        const malformed = await suite.gw.admin.request('POST', '/v1/identities', '{', { 'x-request-id': id });
        expect([malformed.status, idOf(malformed), bodyId(malformed)]).toEqual([400, id, id]);
      }
    });

    it('replaces an insane incoming id with a fresh one', async () => {
      const insane = ['a'.repeat(65), 'has space', '<script>alert(1)</script>', 'semi;colon', 'quote"d', 'é', 'a,b', '{"id":1}', '../../etc/passwd'];
      for (const id of insane) {
        const res = await suite.gw.api.request('GET', '/v1/identities/me', undefined, { 'x-request-id': id });
        expect(idOf(res), id).toMatch(UUID);
        expect(bodyId(res), id).toBe(idOf(res));
      }
      // Two ids in one request are no sane id either.
      const headers = new Headers({ 'x-request-id': 'first' });
      headers.append('x-request-id', 'second');
      const twice = await fetch(`${suite.gw.baseUrl}/healthz`, { headers });
      expect(twice.headers.get('x-request-id')).toMatch(UUID);
    });
  });
});
