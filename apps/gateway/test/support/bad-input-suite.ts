// The gateway every bad-input suite (test/integration/bad-input.*.test.ts) runs against: real
// Postgres and Redis, three identities, three connections (one archived), one policy, a pending
// request and an active grant. `unchanged` compares the audit chain, the list endpoints and every
// table's row count before and after the refused calls it runs.
import { afterAll, beforeAll, expect } from 'vitest';
import { expectUnchanged } from './error-assertions.js';
import { connectPg, createConnection, createIdentity, createPolicy, type PgClient, type TestIdentity } from '@jitgate/testkit';
import { startGateway, type TestGateway } from './gateway-harness.js';

export interface BadInputSuite {
  gw: TestGateway;
  db: PgClient;
  alice: TestIdentity; // developer
  bob: TestIdentity; // approver
  target: TestIdentity; // an identity the injection tests edit
  /** The public schema's tables when the suite started. */
  tables: string[];
  pendingId: string;
  grantId: string;
  policyId: string;
  connectionId: string;
  archivedId: string;
  /** `prefix-1`, `prefix-2`, …: names no other call of the suite uses. */
  unique(prefix: string): string;
  /** What a refused call must leave as it was. */
  snapshot(): Promise<Snapshot>;
  /** Runs the refused calls in `fn` and asserts nothing at all changed. */
  unchanged(fn: () => Promise<void>): Promise<void>;
}

export async function publicTables(db: PgClient): Promise<string[]> {
  return (await db.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`)).rows.map((r) => r.name);
}

/** The request-duration series with a 5xx status in /metrics: empty unless the gateway answered one. */
export async function serverErrorSeries(gw: TestGateway): Promise<string[]> {
  const metrics = String((await gw.api.get('/metrics')).body);
  return metrics.split('\n').filter((line) => line.startsWith('jitgate_http_request_duration_seconds_count') && /status="5\d\d"/.test(line));
}

type Snapshot = Awaited<ReturnType<typeof snapshot>>;

async function snapshot(suite: BadInputSuite) {
  const { gw, db, alice, tables } = suite;
  const items = async (path: string) => {
    const res = await gw.admin.get(path);
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body.items as Array<Record<string, unknown>>;
  };
  const counts = tables.map((table) => `(SELECT count(*) FROM "${table}")::int AS "${table}"`).join(', ');
  const [verify, identities, connections, policies, requests, grants, aliceTokens, rows] = await Promise.all([
    gw.admin.get('/v1/audit/verify'),
    items('/v1/identities?limit=500'),
    items('/v1/connections?includeArchived=true'),
    items('/v1/policies'),
    items('/v1/access-requests?view=all&limit=500'),
    items('/v1/grants?view=all&limit=500'),
    items(`/v1/identities/${alice.id}/tokens`),
    db.query<Record<string, number>>(`SELECT ${counts}`),
  ]);
  expect(verify.body.ok, JSON.stringify(verify.body)).toBe(true);
  return {
    auditChecked: verify.body.checked as number,
    auditHead: verify.body.head,
    identities,
    connections,
    policies,
    requests,
    // inForce is computed from the clock; status, endedAt and the rest are stored.
    grants: grants.map(({ inForce: _inForce, ...grant }) => grant),
    // lastUsedAt moves on every authenticated call by design.
    aliceTokens: aliceTokens.map(({ lastUsedAt: _lastUsedAt, ...token }) => token),
    rows: rows.rows[0],
  };
}

/** Registers the suite's beforeAll/afterAll; the fields are set once beforeAll has run. */
export function useBadInputSuite(): BadInputSuite {
  let seq = 0;
  const suite = {
    unique: (prefix: string) => `${prefix}-${(seq += 1)}`,
    snapshot: () => snapshot(suite),
    unchanged: (fn: () => Promise<void>) => expectUnchanged(() => snapshot(suite), fn),
  } as BadInputSuite;

  beforeAll(async () => {
    const gw = (suite.gw = await startGateway());
    suite.db = await connectPg(gw.databaseUrl);
    suite.tables = await publicTables(suite.db);
    expect(suite.tables).toEqual(expect.arrayContaining(['identities', 'api_tokens', 'connections', 'policies', 'access_requests', 'approvals', 'grants', 'audit_events']));

    const alice = (suite.alice = await createIdentity(gw.admin, { subject: 'alice', groups: ['dev'] }));
    suite.bob = await createIdentity(gw.admin, { subject: 'bob', groups: ['dba'] });
    suite.target = await createIdentity(gw.admin, { subject: 'target', groups: ['dev'] });
    suite.connectionId = (await createConnection(gw.admin, 'orders-db', { labels: { env: 'prod' } })).id;
    await createConnection(gw.admin, 'scratch-db', { labels: { env: 'dev' } });
    suite.archivedId = (await createConnection(gw.admin, 'old-db')).id;
    expect((await gw.admin.delete(`/v1/connections/${suite.archivedId}`)).status).toBe(200);
    suite.policyId = (
      await createPolicy(gw.admin, 'base', [
        { name: 'prod-one-dba', effect: 'require-approval', match: { connection: { names: ['orders-db'] } }, approvals: { count: 1, groups: ['dba'] } },
        { name: 'dev-auto', effect: 'auto-approve', match: { identity: { groups: ['dev'] }, connection: { names: ['scratch-db', 'old-db'] } }, maxDuration: '4h' },
      ])
    ).id;
    const pending = await alice.api.post('/v1/access-requests', { connection: 'orders-db', duration: '1h', reason: 'pending for the tests' });
    expect(pending.body.status).toBe('pending');
    suite.pendingId = pending.body.id;
    const granted = await alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '4h', reason: 'active grant for the tests' });
    expect(granted.body.grant.status).toBe('active');
    suite.grantId = granted.body.grant.id;
  });

  afterAll(async () => {
    try {
      // These suites were one file, whose last test asserts no 5xx over all of them; each file now
      // has a gateway of its own, so each asserts it for its own before closing it.
      if (suite.gw) expect(await serverErrorSeries(suite.gw), 'a 5xx answer during this file').toEqual([]);
    } finally {
      await suite.db?.end();
      await suite.gw?.close();
    }
  });

  return suite;
}
