// Postgres through the gateway with real clients (issue 4): psql and node-postgres log in with a
// token as password, run simple and extended queries, and every statement is recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStack, SHOP } from '../support/postgres-stack.js';
import { eventually } from '@jitgate/testkit';

let pgs: PostgresStack;

beforeAll(async () => {
  pgs = await PostgresStack.start('pg_clients');
  await pgs.stack.requestGrant(SHOP);
}, 120_000);

afterAll(async () => {
  await pgs?.dispose();
});

describe('logging in', () => {
  it('psql runs a query with the token as password, and the session is recorded statement by statement', async () => {
    const result = await pgs.psql(['-At', '-c', 'select name from customers order by id', '-c', 'select count(*) from orders']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual(['Ada Lovelace', 'Alan Turing', 'Grace Hopper', '50']);

    const session = await eventually(async () => (await pgs.sessions()).find((s) => !s.active) ?? null);
    const events = await eventually(async () => {
      const list = await pgs.events(session.id);
      return list.some((e) => e.kind === 'statement' && e.statement === 'select count(*) from orders') ? list : null;
    });
    const statements = events.filter((e) => e.kind === 'statement');
    expect(statements.map((e) => [e.statement, e.commandTag, e.rowCount, e.outcome])).toEqual([
      ['select name from customers order by id', 'SELECT 3', 3, 'ok'],
      ['select count(*) from orders', 'SELECT 1', 1, 'ok'],
    ]);
    const verify = await pgs.stack.admin().get(`/v1/sessions/${session.id}/events/verify`);
    expect(verify.body).toMatchObject({ ok: true, events: events.length });
    const metrics = await (await fetch(`${pgs.stack.gateway.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/jitgate_pg_logins_total\{result="ok"\} [1-9]/);
    expect(metrics).toMatch(/jitgate_pg_session_events_total\{kind="statement",outcome="ok"\} [1-9]/);
  });

  it('refuses a wrong token with 28P01, an unknown connection with 3D000', async () => {
    const wrong = pgs.client({ token: 'jg_' + 'x'.repeat(43) });
    await expect(wrong.connect()).rejects.toMatchObject({ code: '28P01' });
    const unknown = pgs.client({ database: 'nope' });
    await expect(unknown.connect()).rejects.toMatchObject({ code: '3D000' });
  });

  it('refuses an identity without a grant with 28000', async () => {
    const { createIdentity } = await import('@jitgate/testkit');
    const bob = await createIdentity(pgs.stack.admin(), { subject: 'bob-pg', groups: ['dev'] });
    const client = pgs.client({ token: bob.token });
    await expect(client.connect()).rejects.toMatchObject({ code: '28000' });
  });
});

describe('node-postgres', () => {
  it('runs parameterised (extended protocol) and named prepared statements, and records their parameters', async () => {
    const client = pgs.client();
    await client.connect();
    try {
      const byId = await client.query('select name, balance from customers where id = $1', [2]);
      expect(byId.rows).toEqual([{ name: 'Alan Turing', balance: 80 }]);
      for (const id of [1, 3]) {
        const named = await client.query({ name: 'by-id', text: 'select name from customers where id = $1', values: [id] });
        expect(named.rows).toHaveLength(1);
      }
      await client.query('begin');
      await client.query('update customers set balance = balance + $1 where id = $2', [5, 1]);
      await client.query('rollback');
      await expect(client.query('select * from no_such_table')).rejects.toMatchObject({ code: '42P01' });
      const after = await client.query('select 1 as one');
      expect(after.rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
    // The recording has the parameters of each execution and the error, in order.
    const statements = await eventually(async () => {
      for (const session of await pgs.sessions()) {
        const events = await pgs.events(session.id);
        if (events.some((e) => e.statement === 'select * from no_such_table')) return events.filter((e) => e.kind === 'statement');
      }
      return null;
    });
    expect(statements.map((e) => [e.statement, e.parameters, e.outcome])).toEqual([
      ['select name, balance from customers where id = $1', ['2'], 'ok'],
      ['select name from customers where id = $1', ['1'], 'ok'],
      ['select name from customers where id = $1', ['3'], 'ok'],
      ['begin', null, 'ok'],
      ['update customers set balance = balance + $1 where id = $2', ['5', '1'], 'ok'],
      ['rollback', null, 'ok'],
      ['select * from no_such_table', null, 'error'],
      ['select 1 as one', null, 'ok'],
    ]);
    expect(statements[6]?.details).toMatchObject({ sqlstate: '42P01' });
  });
});
