// The gateway every audit-integrity suite (test/integration/audit-integrity.*.test.ts) runs
// against: real Postgres and Redis, alice (dev), bob (dba) and carol (auditor), an approved
// request and a revoked grant; the superuser on the suite's database, and a role with ordinary
// table privileges, as the gateway's own role would have.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { connectPg, createIdentity, createOrdersAndScratch, queryDatabase, sleep, type PgClient, type TestIdentity } from '@jitgate/testkit';
import { startGateway, type TestGateway } from './gateway-harness.js';

export interface VerifyBody {
  ok: boolean;
  checked: number;
  head: { seq: string; hash: string } | null;
  firstBreak?: { seq: string; reason: 'hash_mismatch' | 'broken_link' };
}

export interface AuditIntegritySuite {
  gw: TestGateway;
  su: PgClient; // the superuser, on the suite's database
  app: PgClient; // a non-superuser role with ordinary table privileges
  alice: TestIdentity; // developer
  bob: TestIdentity; // approver
  carol: TestIdentity; // auditor
  approvedRequestId: string;
  revokedGrantId: string;
  /** GET /v1/audit/verify as the admin; asserts the 200. */
  verify(): Promise<VerifyBody>;
  /** Every event's seq, in order. */
  seqs(): Promise<string[]>;
  /** How many events there are. */
  count(): Promise<number>;
}

/** Registers the suite's beforeAll/afterAll; the fields are set once beforeAll has run. */
export function useAuditIntegritySuite(): AuditIntegritySuite {
  const role = `jg_audit_app_${randomBytes(4).toString('hex')}`;
  const suite = {
    verify: async (): Promise<VerifyBody> => {
      const res = await suite.gw.admin.get('/v1/audit/verify');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as VerifyBody;
    },
    // (Aliased apart from seq: ORDER BY an alias "seq" of the text would sort "19" before "9".)
    seqs: async (): Promise<string[]> => (await suite.su.query<{ s: string }>('SELECT seq::text AS s FROM audit_events ORDER BY seq')).rows.map((r) => r.s),
    count: async () => Number((await suite.su.query<{ n: string }>('SELECT count(*) AS n FROM audit_events')).rows[0]?.n),
  } as AuditIntegritySuite;

  beforeAll(async () => {
    const gw = (suite.gw = await startGateway());
    suite.su = await connectPg(gw.databaseUrl);
    const alice = (suite.alice = await createIdentity(gw.admin, { subject: 'alice', groups: ['dev'] }));
    const bob = (suite.bob = await createIdentity(gw.admin, { subject: 'bob', groups: ['dba'] }));
    suite.carol = await createIdentity(gw.admin, { subject: 'carol', groups: ['jitgate-auditors'] });
    await createOrdersAndScratch(gw.admin, '4h');
    const pending = await alice.api.post('/v1/access-requests', { connection: 'orders-db', duration: '1h', reason: 'fix order 1234' });
    suite.approvedRequestId = pending.body.id;
    expect((await bob.api.post(`/v1/access-requests/${suite.approvedRequestId}/approve`, { comment: 'ok' })).body.status).toBe('approved');
    const auto = await alice.api.post('/v1/access-requests', { connection: 'scratch-db', duration: '1h', reason: 'debug' });
    suite.revokedGrantId = auto.body.grant.id;
    expect((await gw.admin.post(`/v1/grants/${suite.revokedGrantId}/revoke`, { reason: 'incident 7' })).body.status).toBe('revoked');
    await sleep(20); // a clear gap in `at` before the last action, for the time filters
    expect((await gw.admin.patch(`/v1/identities/${alice.id}`, { displayName: 'Alice A.' })).status).toBe(200);

    await suite.su.query(`CREATE ROLE "${role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS`);
    await suite.su.query(`GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO "${role}"`);
    await suite.su.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "${role}"`);
    const url = new URL(gw.databaseUrl);
    url.username = role;
    url.password = '';
    suite.app = await connectPg(url.toString());
  });

  afterAll(async () => {
    await suite.app?.end();
    await suite.su?.end();
    await suite.gw?.close(); // drops the database, and with it the role's privileges there
    const url = new URL(suite.gw.databaseUrl);
    url.pathname = '/postgres';
    await queryDatabase(url.toString(), `DROP ROLE IF EXISTS "${role}"`);
  });

  return suite;
}
