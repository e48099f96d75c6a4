// The gateway every openapi-metrics suite (test/integration/openapi-metrics.*.test.ts) runs
// against: real Postgres and Redis, the sweeper every second (grants expire within the tests),
// alice (dev), bob (dba), orders-db (one dba approval) and scratch-db (auto-approved up to 1h).
import { afterAll, beforeAll } from 'vitest';
import { createIdentity, createOrdersAndScratch, type TestIdentity } from '@jitgate/testkit';
import { startGateway, type TestGateway } from './gateway-harness.js';

export interface OpenApiMetricsSuite {
  gw: TestGateway;
  alice: TestIdentity;
  bob: TestIdentity;
}

/** Registers the suite's beforeAll/afterAll; the fields are set once beforeAll has run. */
export function useOpenApiMetricsSuite(): OpenApiMetricsSuite {
  const suite = {} as OpenApiMetricsSuite;

  beforeAll(async () => {
    const gw = (suite.gw = await startGateway({ env: { JITGATE_SWEEP_INTERVAL: '1s' } }));
    suite.alice = await createIdentity(gw.admin, { subject: 'alice', groups: ['dev'] });
    suite.bob = await createIdentity(gw.admin, { subject: 'bob', groups: ['dba'] });
    await createOrdersAndScratch(gw.admin, '1h');
  });

  afterAll(async () => {
    await suite.gw?.close();
  });

  return suite;
}
