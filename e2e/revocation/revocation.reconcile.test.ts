// When the message is lost (issue 13, class 6; docs/tunnel.md "Enforcement"): every replica
// checks its live sessions against PostgreSQL each JITGATE_SESSION_RECONCILE_INTERVAL, so an end
// that no Redis message announced — written to the database by hand, a token that simply
// expired, or a revoke made while Redis is gone — still ends the sessions within one period. And
// with Redis gone, the revoke API says that the replicas were not told and by when the sessions
// end, instead of a bare 200. Real processes: two gateway replicas on a redis-server of the
// suite's own (killed in the last case), the agent, the target PostgreSQL, node-postgres and psql.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { queryDatabase } from '../support/e2e-support.js';
import { PostgresStack, SHOP } from '../support/postgres-stack.js';
import { createIdentity, eventually, OwnRedisServer, requestGrant, type TestGrant, type TestIdentity, within } from '@jitgate/testkit';

import { fatalOf, issueToken, PsqlSession, type IssuedToken } from '../support/revocation-fixtures.js';

/** The period under test: short, so that the suite stays quick. */
const PERIOD_MS = 2_000;
/** What a cut may take beyond the period: the check's one query, the close, a busy machine. */
const SLACK_MS = 1_000;

let redis: OwnRedisServer;
let pgs: PostgresStack;
let serial = 0;

beforeAll(async () => {
  redis = await OwnRedisServer.start();
  pgs = await PostgresStack.start('reconcile', { replicas: 2, gatewayEnv: { REDIS_URL: redis.url, JITGATE_SESSION_RECONCILE_INTERVAL: `${PERIOD_MS / 1000}s` } });
}, 180_000);

afterAll(async () => {
  await pgs?.dispose();
  await redis?.kill();
});

async function someone(): Promise<{ identity: TestIdentity; token: IssuedToken; grant: TestGrant }> {
  serial += 1;
  const admin = pgs.stack.admin();
  const identity = await createIdentity(admin, { subject: `reconciled-${serial}`, groups: ['dev'] });
  return { identity, token: await issueToken(admin, identity.id, 'session'), grant: await requestGrant(identity, SHOP) };
}

async function connected(who: { identity: TestIdentity }, token: string, replica: number): Promise<pg.Client> {
  const client = pgs.client({ token, user: who.identity.subject, replica });
  await client.connect();
  return client;
}

/** A statement straight to the control plane's database: an end no message announces. */
const controlPlane = (sql: string, values: unknown[]) => queryDatabase(pgs.stack.database.url, sql, values);

describe('ends that no message announces', () => {
  it('a token revoked, a grant revoked and an identity disabled in the database alone end their sessions within one period, saying why', async () => {
    const [byToken, byGrant, byIdentity] = [await someone(), await someone(), await someone()];
    const clients = [
      { who: byToken, client: await connected(byToken, byToken.token.token, 1), message: 'the token that opened this session was revoked', reason: 'token_revoked' },
      { who: byGrant, client: await connected(byGrant, byGrant.token.token, 0), message: 'the grant for this session was revoked', reason: 'grant_revoked' },
      { who: byIdentity, client: await connected(byIdentity, byIdentity.token.token, 1), message: 'the identity of this session was disabled', reason: 'identity_disabled' },
    ];
    const rows = await Promise.all(clients.map(({ client }) => pgs.sessionOf(client)));
    const seen = clients.map(({ client }) => fatalOf(client));

    await controlPlane('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [byToken.token.id]);
    await controlPlane("UPDATE grants SET status = 'revoked', ended_at = now(), end_reason = 'by hand' WHERE id = $1", [byGrant.grant.id]);
    await controlPlane('UPDATE identities SET disabled_at = now() WHERE id = $1', [byIdentity.identity.id]);
    const writtenAt = Date.now();

    const fatals = await within(Promise.all(seen), PERIOD_MS + 5_000, 'the FATALs');
    console.log(`reconcile: cut ${fatals.map((f) => f.at - writtenAt).join(', ')} ms after the database was changed (period ${PERIOD_MS} ms)`);
    for (const [i, { message, reason }] of clients.entries()) {
      expect(fatals[i]!.error).toMatchObject({ code: '57P01', severity: 'FATAL', message: `terminating connection: jitgate: ${message}` });
      expect(fatals[i]!.at - writtenAt).toBeLessThanOrEqual(PERIOD_MS + SLACK_MS);
      expect(await pgs.stack.endedSession(rows[i]!.id as string)).toMatchObject({ endReason: reason });
    }
  }, 60_000);

  it('a token that expires while its session is open ends the session within one period of its expiry', async () => {
    serial += 1;
    const admin = pgs.stack.admin();
    const identity = await createIdentity(admin, { subject: `expiring-${serial}`, groups: ['dev'] });
    await requestGrant(identity, SHOP);
    const token = await issueToken(admin, identity.id, 'short', '6s');
    const expiresAt = Date.parse((await admin.get(`/v1/identities/${identity.id}/tokens`)).body.items.find((t: { id: string }) => t.id === token.id).expiresAt);
    const client = await connected({ identity }, token.token, 1);
    const row = await pgs.sessionOf(client);
    const { at, error } = await within(fatalOf(client), 6_000 + PERIOD_MS + 5_000, 'the FATAL');
    console.log(`reconcile: a session of an expired token cut ${at - expiresAt} ms after the token's expiry`);
    expect(error).toMatchObject({ code: '57P01', message: 'terminating connection: jitgate: the token that opened this session has expired' });
    expect(at).toBeGreaterThanOrEqual(expiresAt);
    expect(at - expiresAt).toBeLessThanOrEqual(PERIOD_MS + SLACK_MS);
    expect(await pgs.stack.endedSession(row.id as string)).toMatchObject({ endReason: 'token_expired' });
  }, 60_000);
});

describe('with Redis frozen', () => {
  it('a token revoke answers within about a second saying the replicas were not told, and the other replica cuts the session within one period', async () => {
    const who = await someone();
    const onB = await connected(who, who.token.token, 1);
    const seen = fatalOf(onB);
    redis.freeze();
    try {
      const sentAt = Date.now();
      const revoked = await pgs.stack.admin(0).post(`/v1/identities/${who.identity.id}/tokens/${who.token.id}/revoke`);
      const answeredAt = Date.now();
      expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
      const { at, error } = await within(seen, PERIOD_MS + 5_000, 'the session on the other replica');
      console.log(`Redis frozen: the revoke answered in ${answeredAt - sentAt} ms; the other replica cut ${at - sentAt} ms after it was sent`);
      // A frozen Redis neither refuses nor answers: the call does not wait on it for long.
      expect(answeredAt - sentAt).toBeLessThanOrEqual(1000 + SLACK_MS);
      expect(revoked.body.liveSessions).toEqual({ notified: false, endBy: expect.any(String) });
      expect(error).toMatchObject({ code: '57P01', message: 'terminating connection: jitgate: the token that opened this session was revoked' });
      expect(at - sentAt).toBeLessThanOrEqual(PERIOD_MS + SLACK_MS);
    } finally {
      redis.thaw();
    }
  }, 60_000);
});

describe('with Redis gone', () => {
  it('a grant revoke and a token revoke answer 200 saying the replicas were not told; the revoking replica cuts at once, the other within one period; the statement after the cut never runs', async () => {
    const byGrant = await someone();
    const byToken = await someone();
    const grantOnA = await connected(byGrant, byGrant.token.token, 0);
    const grantOnB = await connected(byGrant, byGrant.token.token, 1);
    const tokenOnB = await connected(byToken, byToken.token.token, 1);
    const psql = new PsqlSession({ port: pgs.stack.gateways[1]!.pgPort, token: byToken.token.token, user: byToken.identity.subject, database: SHOP });
    const tag = `redis-gone-${serial}`;
    try {
      await psql.run(`insert into customers (name, email) values ('${tag} before', 'before@example.com');`);
      const psqlRow = await eventually(async () => {
        const listed = await pgs.stack.admin().get(`/v1/sessions?view=all&identity=${byToken.identity.id}&active=true`);
        return listed.body.items.length === 2 ? listed.body.items : null;
      });
      const seen = { grantOnA: fatalOf(grantOnA), grantOnB: fatalOf(grantOnB), tokenOnB: fatalOf(tokenOnB) };

      await redis.kill();
      const admin = pgs.stack.admin(0);
      // Times from when each call was sent: it waits for Redis (1 s at most) after its commit.
      const grantSentAt = Date.now();
      const grantRevoked = await admin.post(`/v1/grants/${byGrant.grant.id}/revoke`, { reason: 'Redis is down' });
      const tokenSentAt = Date.now();
      const tokenRevoked = await admin.post(`/v1/identities/${byToken.identity.id}/tokens/${byToken.token.id}/revoke`);
      for (const revoked of [grantRevoked, tokenRevoked]) expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);

      // The replica that took the call cuts its own at once; the other finds out by its check.
      const a = await within(seen.grantOnA, 5_000, "the grant's session on the revoking replica");
      expect(a.at - grantSentAt).toBeLessThanOrEqual(1000);
      const [b, t] = await within(Promise.all([seen.grantOnB, seen.tokenOnB]), PERIOD_MS + 5_000, 'the sessions on the other replica');
      console.log(`Redis gone: grant cut on A ${a.at - grantSentAt} ms, on B ${b.at - grantSentAt} ms; token cut on B ${t.at - tokenSentAt} ms after the calls were sent`);
      expect(b.error).toMatchObject({ code: '57P01', message: 'terminating connection: jitgate: the grant for this session was revoked' });
      expect(t.error).toMatchObject({ code: '57P01', message: 'terminating connection: jitgate: the token that opened this session was revoked' });
      expect(b.at - grantSentAt).toBeLessThanOrEqual(PERIOD_MS + SLACK_MS);
      expect(t.at - tokenSentAt).toBeLessThanOrEqual(PERIOD_MS + SLACK_MS);
      // Not a bare 200: the answer says the replicas were not told, and by when the sessions end.
      for (const [at, body] of [
        [b.at, grantRevoked.body],
        [t.at, tokenRevoked.body],
      ] as const) {
        expect(body.liveSessions, JSON.stringify(body)).toEqual({ notified: false, endBy: expect.any(String) });
        expect(at).toBeLessThanOrEqual(Date.parse(body.liveSessions.endBy) + SLACK_MS);
      }

      // psql's session was cut by the same check: its next statement never reaches the table.
      for (const row of psqlRow as Array<{ id: string }>) expect(await pgs.stack.endedSession(row.id, 1)).toMatchObject({ endReason: 'token_revoked', gatewayId: 'gw-reconcile-1' });
      psql.send(`insert into customers (name, email) values ('${tag} after', 'after@example.com');`);
      expect(await psql.waitForExit()).not.toBe(0);
      expect(await pgs.direct('SELECT name FROM customers WHERE name LIKE $1 ORDER BY id', [`${tag} %`])).toEqual([{ name: `${tag} before` }]);
    } finally {
      psql.stop();
    }
  }, 60_000);
});
