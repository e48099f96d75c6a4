// Bad input, through HTTP, on real Postgres and Redis: durations, token TTLs and start times
// that are malformed, out of range or in the past get a 400 in the one error shape and write
// nothing; the documented forms, up to the limits, are accepted.
// Set-up and `unchanged` (the audit chain, the list endpoints and every table's row count, before
// and after): test/support/bad-input-suite.ts; the error shape: test/support/error-assertions.ts.
import { describe, expect, it } from 'vitest';
import { useBadInputSuite } from '../support/bad-input-suite.js';
import { expectError, expectInvalid } from '../support/error-assertions.js';

describe('bad input', () => {
  const suite = useBadInputSuite();

  it('refuses negative, zero, fractional, huge and garbage durations and token TTLs', async () => {
    const bad: unknown[] = [-5, 0, 1.5, -0.5, '99999d', '1x', 'PT1H', '', ' 1h', '1H', '1h 30m', '-1h', '1e3', '0x10', '367d', '9999999999', 1e300, 2 ** 53, '25h'];
    await suite.unchanged(async () => {
      for (const duration of bad) {
        const res = await suite.alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration, reason: 'duration test' });
        expectInvalid(res, 'duration');
      }
      for (const ttl of [-5, 0, 1.5, '99999d', '1x', 'PT1H', '', '367d']) {
        const res = await suite.gw.admin.post(`/v1/identities/${suite.target.id}/tokens`, { name: 'ttl test', ttl });
        expectInvalid(res, 'ttl');
      }
    });
    // The forms documented do work, including the gateway's maximum (24h by default).
    for (const duration of ['90s', '1h30m', 60, '24h']) {
      const res = await suite.alice.api.post('/v1/access-requests', { connection: 'orders-db', duration, reason: `valid ${String(duration)}` });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(await suite.alice.api.post(`/v1/access-requests/${res.body.id}/cancel`)).toMatchObject({ status: 200 });
    }
  });

  it('refuses a startAt in the past or too far ahead, and accepts one inside the window', async () => {
    const minute = 60_000;
    const maxDelayMs = suite.gw.config.access.maxStartDelaySeconds * 1000;
    await suite.unchanged(async () => {
      for (const startAt of ['2000-01-01T00:00:00Z', new Date(Date.now() - 5 * minute).toISOString()]) {
        expectError(await suite.alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '5m', reason: 'x', startAt }), 400, 'validation_failed', /startAt is in the past/);
      }
      for (const startAt of [new Date(Date.now() + maxDelayMs + 5 * minute).toISOString(), '2999-01-01T00:00:00+02:00', '9999-12-31T23:59:59Z']) {
        expectError(await suite.alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '5m', reason: 'x', startAt }), 400, 'validation_failed', /startAt may be at most/);
      }
    });
    const inside = new Date(Date.now() + maxDelayMs - 5 * minute).toISOString();
    const res = await suite.alice.api.post('/v1/access-requests', { connection: 'orders-db', duration: '5m', reason: 'later', startAt: inside });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(new Date(res.body.startAt).toISOString()).toBe(inside);
    expect((await suite.alice.api.post(`/v1/access-requests/${res.body.id}/cancel`)).status).toBe(200);
  });
});
