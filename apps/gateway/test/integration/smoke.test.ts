import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway-harness.js';

describe('gateway smoke', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('boots, bootstraps an admin and answers', async () => {
    expect(gw.adminToken).toMatch(/^jg_/);
    expect((await gw.api.get('/healthz')).status).toBe(200);
    expect((await gw.api.get('/readyz')).body).toEqual({ status: 'ok', checks: { database: 'ok', redis: 'ok' } });
    const me = await gw.admin.get('/v1/identities/me');
    expect(me.status).toBe(200);
    expect(me.body.isAdmin).toBe(true);
    expect((await gw.api.get('/v1/identities/me')).status).toBe(401);
  });
});
