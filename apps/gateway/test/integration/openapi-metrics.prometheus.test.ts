// The Prometheus metrics, through HTTP: well-formed text exposition served without a token, with
// request histograms by route template and status, and counters that move with access requests,
// grant endings and rejected tokens. The parser: test/support/prometheus-text.ts.
// The set-up every openapi-metrics file shares: test/support/openapi-metrics-suite.ts.
import { describe, expect, it } from 'vitest';
import { eventually } from '@jitgate/testkit';
import { useOpenApiMetricsSuite } from '../support/openapi-metrics-suite.js';
import { parseMetrics, sum } from '../support/prometheus-text.js';

describe('OpenAPI, metrics, health and request ids', () => {
  const suite = useOpenApiMetricsSuite();

  describe('GET /metrics', () => {
    const scrape = async () => {
      const res = await suite.gw.api.get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; (charset=utf-8; )?version=0\.0\.4/);
      const parsed = parseMetrics(String(res.body));
      expect(parsed.problems).toEqual([]);
      return parsed;
    };

    it('is Prometheus text with the gateway families, served without a token', async () => {
      const { types, samples } = await scrape();
      expect(types.get('jitgate_http_request_duration_seconds')).toBe('histogram');
      expect(types.get('jitgate_access_requests_total')).toBe('counter');
      expect(types.get('jitgate_grants_ended_total')).toBe('counter');
      expect(types.get('jitgate_auth_failures_total')).toBe('counter');
      expect(samples.get('jitgate_process_start_time_seconds')).toBeGreaterThan(0);
    });

    it('shows the database pools against their limit and the queues by state (issue 15)', async () => {
      const granted = await suite.alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '10m', reason: 'a delayed job' });
      expect(granted.body.status).toBe('approved');
      const { types, samples } = await scrape();
      expect(types.get('jitgate_db_pool_connections')).toBe('gauge');
      for (const pool of ['prisma', 'plain']) {
        // The harness's DATABASE_POOL_SIZE.
        expect(sum(samples, 'jitgate_db_pool_connections', { pool, state: 'max' })).toBe(5);
        expect(sum(samples, 'jitgate_db_pool_connections', { pool, state: 'total' })).toBeGreaterThan(0);
        expect(sum(samples, 'jitgate_db_pool_connections', { pool, state: 'waiting' })).toBe(0);
      }
      expect(types.get('jitgate_queue_jobs')).toBe('gauge');
      // The grant's expiry job waits in the timers queue.
      expect(sum(samples, 'jitgate_queue_jobs', { queue: 'timers', state: 'delayed' })).toBeGreaterThan(0);
      expect(samples.has('jitgate_queue_jobs{queue="maintenance",state="failed"}')).toBe(true);
      expect(types.get('jitgate_load_shed_total')).toBe('counter');
    });

    it('counts requests by route template and status, in consistent histograms', async () => {
      const before = (await scrape()).samples;
      const grantsPath = '/v1/grants?view=all';
      await suite.gw.admin.get(grantsPath);
      await suite.alice.api.get(`/v1/grants/6f1c2f3e-5a4b-4c3d-9e8f-7a6b5c4d3e2f`);
      await suite.gw.api.get('/v1/grants');
      await suite.gw.api.get('/no/such/route');
      const after = (await scrape()).samples;
      const count = (s: Map<string, number>, labels: Record<string, string>) => sum(s, 'jitgate_http_request_duration_seconds_count', labels);
      expect(count(after, { method: 'GET', route: '/v1/grants', status: '200' }) - count(before, { method: 'GET', route: '/v1/grants', status: '200' })).toBe(1);
      expect(count(after, { method: 'GET', route: '/v1/grants', status: '401' }) - count(before, { method: 'GET', route: '/v1/grants', status: '401' })).toBe(1);
      // The template, not the id: one series per route, whatever the ids.
      expect(count(after, { route: '/v1/grants/:id', status: '404' }) - count(before, { route: '/v1/grants/:id', status: '404' })).toBe(1);
      expect(count(after, { route: 'unmatched', status: '404' }) - count(before, { route: 'unmatched', status: '404' })).toBe(1);
      for (const key of after.keys()) {
        expect(key, 'no ids or query strings in labels').not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-|\?|no\/such/);
      }
      // Buckets are cumulative and end at +Inf = count.
      const series = [...after.keys()].filter((k) => k.startsWith('jitgate_http_request_duration_seconds_count{'));
      expect(series.length).toBeGreaterThan(3);
      for (const key of series) {
        const labels = key.slice(key.indexOf('{'));
        const buckets = [...after.entries()]
          .filter(
            ([k]) =>
              k.startsWith('jitgate_http_request_duration_seconds_bucket{') &&
              labels
                .slice(1, -1)
                .split(',')
                .every((pair) => k.includes(pair)),
          )
          .map(([k, v]) => [k.includes('le="+Inf"') ? Infinity : Number(/le="([^"]+)"/.exec(k)?.[1]), v] as const)
          .sort((a, b) => a[0] - b[0]);
        expect(buckets.length).toBeGreaterThan(5);
        for (const [i, [, v]] of buckets.slice(1).entries()) expect(v).toBeGreaterThanOrEqual(buckets[i]?.[1] as number);
        expect(buckets[buckets.length - 1]).toEqual([Infinity, after.get(key)]);
      }
    });

    it('counts access requests by outcome and grants ended by how', async () => {
      const before = (await scrape()).samples;
      const requests = (outcome: string, s: Map<string, number>) => sum(s, 'jitgate_access_requests_total', { outcome });
      const ended = (status: string, s: Map<string, number>) => sum(s, 'jitgate_grants_ended_total', { status });

      const auto1 = await suite.alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '10m', reason: 'one' });
      const auto2 = await suite.alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '10m', reason: 'two' });
      const short = await suite.alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: 1, reason: 'one second' });
      const pending = await suite.alice.api.post('/v1/access-requests', { connection: 'orders-db', duration: '10m', reason: 'three' });
      const denied = await suite.alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '2h', reason: 'too long' });
      expect([auto1, auto2, short, pending, denied].map((r) => r.body.status)).toEqual(['approved', 'approved', 'approved', 'pending', 'denied']);
      // A refused request is no outcome.
      expect((await suite.alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: 0, reason: 'x' })).status).toBe(400);
      expect((await suite.gw.admin.post(`/v1/grants/${auto1.body.grant.id}/revoke`, { reason: 'metrics' })).status).toBe(200);
      expect((await suite.alice.api.post(`/v1/grants/${auto2.body.grant.id}/release`, { reason: 'metrics' })).status).toBe(200);
      expect((await suite.bob.api.post(`/v1/access-requests/${pending.body.id}/approve`, {})).body.status).toBe('approved');
      await eventually(async () => (await suite.alice.api.get(`/v1/grants/${short.body.grant.id}`)).body.status === 'expired', 10_000);

      const after = (await scrape()).samples;
      expect(requests('auto_approved', after) - requests('auto_approved', before)).toBe(3);
      expect(requests('pending', after) - requests('pending', before)).toBe(1);
      expect(requests('denied', after) - requests('denied', before)).toBe(1);
      expect(ended('revoked', after) - ended('revoked', before)).toBe(1);
      expect(ended('released', after) - ended('released', before)).toBe(1);
      expect(ended('expired', after) - ended('expired', before)).toBe(1);
      expect(sum(after, 'jitgate_grants_ended_total', { status: 'revoked', via: 'api' })).toBeGreaterThanOrEqual(1);
      expect(sum(after, 'jitgate_access_request_transitions_total', { status: 'approved' }) - sum(before, 'jitgate_access_request_transitions_total', { status: 'approved' })).toBe(1);
    });

    it('counts rejected bearer tokens', async () => {
      const failures = (s: Map<string, number>) => sum(s, 'jitgate_auth_failures_total');
      const before = (await scrape()).samples;
      await suite.gw.api.get('/v1/identities/me');
      await suite.gw.api.request('GET', '/v1/identities/me', undefined, { authorization: 'Bearer jg_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
      await suite.gw.api.request('GET', '/v1/identities/me', undefined, { authorization: 'Basic eDp5' });
      expect((await suite.alice.api.get('/v1/identities/me')).status).toBe(200);
      const after = (await scrape()).samples;
      expect(failures(after) - failures(before)).toBe(3);
      expect(sum(after, 'jitgate_auth_failures_total', { code: 'unauthenticated' })).toBeGreaterThanOrEqual(3);
    });
  });
});
