// Load shedding (issue 15): before it runs out of memory, or past a number of REST calls in
// flight, the gateway refuses new work at once as `unavailable` (REST 503 with Retry-After, a
// session's 503 refusal) and keeps answering health and metrics. Memory is made "short" by the
// setting itself (1 % of the limits, which any process passes); calls are kept in flight by a
// control database the test freezes, so that a second call finds the only slot taken.
import { connectClient, createMigratedDatabase, TcpRelay, within } from '@jitgate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway-harness.js';

const OVERLOADED = 'the gateway is overloaded; retry shortly';

describe('load shedding', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('with memory short: REST calls and new sessions are refused as overloaded, health and metrics still answer', async () => {
    const gw: TestGateway = await startGateway({ env: { JITGATE_SHED_MEMORY_PERCENT: '1' } });
    cleanups.push(() => gw.close());

    const listed = await gw.admin.get('/v1/connections');
    expect(listed.status, JSON.stringify(listed.body)).toBe(503);
    expect(listed.body.error).toMatchObject({ code: 'unavailable', message: OVERLOADED });
    expect(listed.headers.get('retry-after')).toBe('5');
    const session = await connectClient(gw.tcpPort, 'anything', gw.adminToken);
    expect(session.line).toBe(`JITGATE/1 503 unavailable ${OVERLOADED}`);

    expect((await gw.api.get('/healthz')).status).toBe(200);
    expect((await gw.api.get('/readyz')).status).toBe(200);
    const metrics = await gw.api.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/jitgate_load_shed_total\{front="rest",reason="memory"\} 1/);
    expect(metrics.body).toMatch(/jitgate_load_shed_total\{front="tcp",reason="memory"\} 1/);
  });

  it('past JITGATE_MAX_IN_FLIGHT_REQUESTS: the next call is refused at once, and a slot frees when its call is answered', async () => {
    const database = await createMigratedDatabase('jitgate_shed');
    const url = new URL(database.url);
    const relay = new TcpRelay({ host: url.hostname, port: Number(url.port || 5432) });
    await relay.start();
    const gw = await startGateway({ databaseUrl: relay.urlThrough(database.url), env: { JITGATE_MAX_IN_FLIGHT_REQUESTS: '1', JITGATE_DATABASE_TIMEOUT: '2s' } });
    cleanups.push(async () => {
      relay.thaw();
      await gw.close();
      await relay.cutOff();
      await database.drop();
    });
    expect((await gw.admin.get('/v1/connections')).status).toBe(200);

    relay.freeze();
    const held = gw.admin.get('/v1/connections');
    // The held call has taken the only slot once the gateway waits on its database for it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const refused = await within(gw.admin.get('/v1/connections'), 5_000, 'a call past the limit');
    expect(refused.status).toBe(503);
    expect(refused.body.error.message).toBe(OVERLOADED);
    expect((await gw.api.get('/healthz')).status).toBe(200);
    expect((await within(held, 20_000, 'the held call')).status).toBe(503);

    relay.thaw();
    const again = await gw.admin.get('/v1/connections');
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect((await gw.api.get('/metrics')).body).toMatch(/jitgate_load_shed_total\{front="rest",reason="in_flight"\} 1/);
  });
});
