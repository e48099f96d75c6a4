// Bad input, through HTTP, on real Postgres and Redis: bodies refused before any field is read
// (malformed JSON, not an object, not application/json, over the size limit, nested too deep) get
// a clear 4xx in the one error shape, never a 500 or a stack trace, and write nothing.
// Set-up and `unchanged` (the audit chain, the list endpoints and every table's row count, before
// and after): test/support/bad-input-suite.ts; the error shape: test/support/error-assertions.ts.
import { describe, expect, it } from 'vitest';
import { useBadInputSuite } from '../support/bad-input-suite.js';
import { expectError, expectInvalid } from '../support/error-assertions.js';
import type { ApiResponse } from '@jitgate/testkit';

describe('bad input', () => {
  const suite = useBadInputSuite();

  const rawFetch = async (path: string, init: RequestInit & { duplex?: 'half' }): Promise<ApiResponse> => {
    const response = await fetch(`${suite.gw.baseUrl}${path}`, init);
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // keep the text
    }
    return { status: response.status, body, headers: response.headers };
  };

  /** Every route that takes a JSON body, with a body that would succeed. */
  const bodyRoutes = (): Array<{ method: string; path: string; body: Record<string, unknown> }> => [
    { method: 'POST', path: '/v1/identities', body: { kind: 'human', subject: suite.unique('valid') } },
    { method: 'PATCH', path: `/v1/identities/${suite.target.id}`, body: { displayName: 'Target' } },
    { method: 'POST', path: `/v1/identities/${suite.target.id}/tokens`, body: { name: 'ci' } },
    { method: 'POST', path: '/v1/connections', body: { name: suite.unique('valid'), type: 'tcp', agentGroup: 'default', settings: { host: 'db.internal', port: 5432 } } },
    { method: 'PATCH', path: `/v1/connections/${suite.connectionId}`, body: { description: 'orders' } },
    { method: 'POST', path: '/v1/policies', body: { name: suite.unique('valid'), rules: [{ name: 'r', effect: 'deny', match: { connection: { names: ['nowhere-db'] } } }] } },
    { method: 'PUT', path: `/v1/policies/${suite.policyId}`, body: { rules: [{ name: 'r', effect: 'deny' }] } },
    { method: 'POST', path: '/v1/access-requests', body: { connection: 'scratch-db', duration: '5m', reason: 'valid' } },
    { method: 'POST', path: `/v1/access-requests/${suite.pendingId}/approve`, body: { comment: 'ok' } },
    { method: 'POST', path: `/v1/access-requests/${suite.pendingId}/deny`, body: { comment: 'no' } },
    { method: 'POST', path: `/v1/grants/${suite.grantId}/revoke`, body: { reason: 'done' } },
  ];

  it('refuses malformed JSON with invalid_json', async () => {
    const malformed = ['{"kind":"human"', '{"kind":"human"} trailing', '{"a":}', '{', '{"a":1,}', "{'a':1}", '{"a":NaN}', '{"a":undefined}', '{"a":1}{"b":2}', '\u0000'];
    await suite.unchanged(async () => {
      for (const route of bodyRoutes()) {
        for (const text of malformed) {
          const res = await suite.gw.admin.request(route.method, route.path, text);
          expectError(res, 400, 'invalid_json', /JSON/);
        }
      }
    });
  });

  it('refuses a JSON array, string, number, boolean or null where an object is expected', async () => {
    await suite.unchanged(async () => {
      for (const route of bodyRoutes()) {
        for (const text of ['[]', '[{"kind":"human"}]', '"hello"', '42', 'true', 'null']) {
          const res = await suite.gw.admin.request(route.method, route.path, text);
          expect(res.status, `${route.method} ${route.path} ${text}: ${JSON.stringify(res.body)}`).toBe(400);
          const code = (res.body as { error: { code: string } }).error.code;
          expect(['invalid_json', 'validation_failed']).toContain(code);
          expectError(res, 400, code, /JSON|not valid/);
          if (code === 'validation_failed') expect(JSON.stringify(res.body)).toMatch(/expected object/);
        }
      }
    });
  });

  it('answers 415 for a body that is not application/json', async () => {
    const valid = JSON.stringify({ kind: 'human', subject: 'mediatype' });
    const types = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json-patch+json', 'application/json; charset=latin1'];
    await suite.unchanged(async () => {
      for (const route of bodyRoutes()) {
        for (const type of types) {
          const res = await suite.gw.admin.request(route.method, route.path, JSON.stringify(route.body), { 'content-type': type });
          expectError(res, 415, 'unsupported_media_type', /application\/json|UTF-8/);
        }
        // No Content-Type at all (fetch would add text/plain to a string body: send bytes).
        const bare = await rawFetch(route.path, { method: route.method, headers: { authorization: `Bearer ${suite.gw.adminToken}` }, body: new TextEncoder().encode(valid) });
        expectError(bare, 415, 'unsupported_media_type', /application\/json/);
      }
    });
    // The parameters JSON may carry are fine.
    const ok = await suite.gw.admin.request('POST', '/v1/identities', valid, { 'content-type': 'application/json; charset=utf-8' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
  });

  it('answers 413 above the body limit, with or without a Content-Length, and takes a body exactly at it', async () => {
    const limit = suite.gw.config.http.bodyLimitBytes;
    // A valid policy of exactly `limit` bytes: many rules padded with descriptions, the policy's
    // own description making up the last bytes. Its rules match no real connection.
    const rules = Array.from({ length: Math.floor(limit / 1100) - 1 }, (_, i) => ({
      name: `pad-${i}`,
      effect: 'deny',
      description: 'p'.repeat(1000),
      match: { connection: { names: ['nowhere-db'] } },
    }));
    const sized = (name: string, extra: number) => {
      const body = { name, description: '', rules };
      const pad = limit - Buffer.byteLength(JSON.stringify(body)) + extra;
      expect(pad).toBeGreaterThanOrEqual(0);
      expect(pad).toBeLessThanOrEqual(2000);
      const text = JSON.stringify({ ...body, description: 'd'.repeat(pad) });
      expect(Buffer.byteLength(text)).toBe(limit + extra);
      return text;
    };
    await suite.unchanged(async () => {
      const megabyte = JSON.stringify({ kind: 'human', subject: 'big', displayName: 'a'.repeat(1024 * 1024) });
      const big = await suite.gw.admin.request('POST', '/v1/identities', megabyte);
      expectError(big, 413, 'payload_too_large', /larger than/);
      expect((big.body as { error: { details: { limitBytes: number } } }).error.details.limitBytes).toBe(limit);

      const overByOne = await suite.gw.admin.request('POST', '/v1/policies', sized('over-by-one', 1));
      expectError(overByOne, 413, 'payload_too_large');

      // Chunked, so the size is only known while reading.
      const chunk = new TextEncoder().encode(megabyte);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let offset = 0; offset < chunk.length; offset += 64 * 1024) controller.enqueue(chunk.subarray(offset, offset + 64 * 1024));
          controller.close();
        },
      });
      const chunked = await rawFetch('/v1/identities', {
        method: 'POST',
        headers: { authorization: `Bearer ${suite.gw.adminToken}`, 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      });
      expectError(chunked, 413, 'payload_too_large');
    });
    const atLimit = await suite.gw.admin.request('POST', '/v1/policies', sized('at-limit', 0));
    expect(atLimit.status, JSON.stringify(atLimit.body).slice(0, 500)).toBe(201);
    expect(atLimit.body.rules).toHaveLength(rules.length);
    expect((await suite.gw.admin.delete(`/v1/policies/${atLimit.body.id}`)).status).toBe(200);
  });

  it('refuses deeply nested JSON without a 500', async () => {
    const depth = 20_000;
    const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    await suite.unchanged(async () => {
      expectInvalid(await suite.gw.admin.request('POST', '/v1/policies', `{"name":"deep","rules":[${nested}]}`), 'rules');
      expectInvalid(await suite.gw.admin.request('POST', '/v1/identities', `{"kind":"human","subject":"deep","attributes":{"a":${nested}}}`), 'attributes');
      expectInvalid(await suite.gw.admin.request('POST', '/v1/identities', `{"kind":"human","subject":"deep","attributes":{"a":${'['.repeat(depth)}"a\\u0000"${']'.repeat(depth)}}}`), 'attributes');
    });
    // A CEL condition nested as deep as its length allows: a valid bool, or a 400, never a 500.
    const deepCondition = `${'('.repeat(2040)}true${')'.repeat(2040)}`;
    const res = await suite.gw.admin.post('/v1/policies', { name: 'deep-cel', rules: [{ name: 'r', effect: 'deny', match: { connection: { names: ['nowhere-db'] } }, condition: deepCondition }] });
    if (res.status === 201) {
      expect(res.body.rules[0].condition).toBe(deepCondition);
      expect((await suite.gw.admin.delete(`/v1/policies/${res.body.id}`)).status).toBe(200);
    } else {
      expectInvalid(res, 'condition');
    }
  });
});
