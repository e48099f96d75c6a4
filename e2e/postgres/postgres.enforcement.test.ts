// Grant enforcement on live postgres sessions (issue 4): a grant that expires or is revoked while
// a query runs, or while a transaction is open, ends the session with a FATAL 57P01 that says
// why, within 2 s; the statement stops on the server too, and an open transaction is rolled back.
// Each case has an identity of its own, so that its grant is the only one it could use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { PostgresStack, SHOP } from '../support/postgres-stack.js';
import { createIdentity, eventually, requestGrant, type TestIdentity } from '@jitgate/testkit';

let pgs: PostgresStack;
let serial = 0;

beforeAll(async () => {
  pgs = await PostgresStack.start('pg_enforce');
}, 120_000);

afterAll(async () => {
  await pgs?.dispose();
});

async function someone(): Promise<TestIdentity> {
  serial += 1;
  return createIdentity(pgs.stack.admin(), { subject: `enforced-${serial}`, groups: ['dev'] });
}

async function connectedAs(who: TestIdentity): Promise<pg.Client> {
  const client = pgs.client({ token: who.token, user: who.subject });
  await client.connect();
  return client;
}

/** What the client saw: the error its query failed with, or the one it emitted while idle. */
function fatalOf(client: pg.Client, running?: Promise<unknown>): Promise<{ at: number; error: { code?: string; message: string; severity?: string } }> {
  return new Promise((resolve) => {
    const settle = (error: unknown) => resolve({ at: Date.now(), error: error as { code?: string; message: string } });
    client.on('error', settle);
    running?.then(() => settle({ message: 'the query finished' }), settle);
  });
}

/** Sessions of the target database still running `pattern` (the server side of the cut). */
async function serverBackends(pattern: string): Promise<number> {
  const rows = await pgs.direct<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE $1`, [pattern]);
  return rows[0]!.n;
}

async function endReasonOf(client: pg.Client, sessionId: string): Promise<string> {
  void client;
  return (await pgs.stack.endedSession(sessionId)).endReason as string;
}

describe('grant expiry', () => {
  it('during select pg_sleep(20): FATAL 57P01 "grant … expired" within 2 s of expiresAt, and the statement stops on the server', async () => {
    const who = await someone();
    const grant = await requestGrant(who, SHOP, 4);
    const client = await connectedAs(who);
    const session = await pgs.sessionOf(client);
    const seen = fatalOf(client, client.query('select pg_sleep(20) /* expiry */'));
    const { at, error } = await seen;
    const late = at - grant.expiresAt.getTime();
    console.log(`expiry during a query: the client saw FATAL ${late} ms after expiresAt`);
    expect(error).toMatchObject({ code: '57P01', severity: 'FATAL' });
    expect(error.message).toMatch(/grant for this session has expired/);
    expect(late).toBeGreaterThanOrEqual(-50);
    expect(late).toBeLessThan(2000);
    expect(await endReasonOf(client, session.id)).toBe('grant_expired');
    await eventually(async () => (await serverBackends('select pg_sleep(20) /* expiry */')) === 0, 5_000);
  }, 30_000);

  it('during an open transaction: FATAL 57P01 within 2 s, and the transaction is rolled back', async () => {
    const who = await someone();
    const grant = await requestGrant(who, SHOP, 4);
    const client = await connectedAs(who);
    const seen = fatalOf(client);
    await client.query('begin');
    await client.query("update customers set notes = 'written in a transaction cut by expiry' where id = 1");
    const { at, error } = await seen;
    const late = at - grant.expiresAt.getTime();
    console.log(`expiry in an open transaction: the client saw FATAL ${late} ms after expiresAt`);
    expect(error).toMatchObject({ code: '57P01' });
    expect(error.message).toMatch(/grant for this session has expired/);
    expect(late).toBeLessThan(2000);
    await eventually(async () => (await serverBackends('update customers set notes%')) === 0, 5_000);
    expect(await pgs.direct("SELECT id FROM customers WHERE notes LIKE 'written in a transaction%'")).toEqual([]);
  }, 30_000);
});

describe('grant revocation', () => {
  it('during select pg_sleep(20): FATAL 57P01 "grant … revoked" within 2 s of the revoke returning; the statement stops on the server', async () => {
    const who = await someone();
    const grant = await requestGrant(who, SHOP, 3600);
    const client = await connectedAs(who);
    const session = await pgs.sessionOf(client);
    const seen = fatalOf(client, client.query('select pg_sleep(20) /* revoke */'));
    await eventually(async () => (await serverBackends('select pg_sleep(20) /* revoke */')) === 1, 5_000);
    const revoked = await pgs.stack.admin().post(`/v1/grants/${grant.id}/revoke`, { reason: 'incident' });
    const returnedAt = Date.now();
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    const { at, error } = await seen;
    console.log(`revoke during a query: the client saw FATAL ${at - returnedAt} ms after the revoke returned`);
    expect(error).toMatchObject({ code: '57P01', severity: 'FATAL' });
    expect(error.message).toMatch(/grant for this session was revoked/);
    expect(at - returnedAt).toBeLessThan(2000);
    expect(await endReasonOf(client, session.id)).toBe('grant_revoked');
    await eventually(async () => (await serverBackends('select pg_sleep(20) /* revoke */')) === 0, 5_000);
  }, 30_000);

  it('during an open transaction: FATAL 57P01 within 2 s, and the transaction is rolled back', async () => {
    const who = await someone();
    const grant = await requestGrant(who, SHOP, 3600);
    const client = await connectedAs(who);
    const seen = fatalOf(client);
    await client.query('begin');
    await client.query("update customers set notes = 'written in a transaction cut by revoke' where id = 2");
    const revoked = await pgs.stack.admin().post(`/v1/grants/${grant.id}/revoke`, { reason: 'incident' });
    const returnedAt = Date.now();
    expect(revoked.status).toBe(200);
    const { at, error } = await seen;
    console.log(`revoke in an open transaction: the client saw FATAL ${at - returnedAt} ms after the revoke returned`);
    expect(error).toMatchObject({ code: '57P01' });
    expect(at - returnedAt).toBeLessThan(2000);
    await eventually(async () => (await serverBackends('update customers set notes%')) === 0, 5_000);
    expect(await pgs.direct("SELECT id FROM customers WHERE notes LIKE 'written in a transaction%'")).toEqual([]);
    // And the identity cannot come back without a new grant.
    await expect(connectedAs(who)).rejects.toMatchObject({ code: '28000' });
  }, 30_000);
});
