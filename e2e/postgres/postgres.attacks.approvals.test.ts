// Issue 13, class 5: one approval allows exactly one execution of exactly what the approver saw
// (the statement and its parameter values). A statement prepared once, by the protocol or by SQL
// PREPARE, needs an approval for each execution; a name cannot be re-bound behind the gateway's
// back. Each case is checked on the target: which rows are still there.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeBind, encodeExecute, encodeParse, encodeSync } from '@jitgate/pgwire';
import { createIdentity, eventually, type TestIdentity } from '@jitgate/testkit';
import { RawPgClient } from '../support/pg-raw-client.js';
import { PostgresStack, SHOP } from '../support/postgres-stack.js';

let pgs: PostgresStack;
let approver: TestIdentity;
const opened: RawPgClient[] = [];

const GUARDRAILS = [
  {
    name: 'shop-approvals',
    match: { connection: { names: [SHOP] } },
    sql: { requireApproval: ['delete'], approvals: { count: 1, groups: ['dba'] }, approvalTimeout: '5s' },
  },
];

beforeAll(async () => {
  pgs = await PostgresStack.start('pg_attacks_approvals', { guardrails: GUARDRAILS });
  await pgs.stack.requestGrant(SHOP);
  approver = await createIdentity(pgs.stack.admin(), { subject: 'dana-dba', groups: ['dba'] });
}, 120_000);

beforeEach(async () => {
  await pgs.asOwner('CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY)');
  await pgs.asOwner('TRUNCATE items');
  await pgs.asOwner('INSERT INTO items SELECT generate_series(1, 10)');
});

afterEach(() => {
  for (const client of opened.splice(0)) client.destroy();
});

afterAll(async () => {
  await pgs?.dispose();
});

async function loggedIn(): Promise<RawPgClient> {
  const client = await RawPgClient.open(pgs.pgPort);
  opened.push(client);
  await client.login(pgs.stack.alice.token, SHOP);
  return client;
}

async function remaining(): Promise<number[]> {
  return (await pgs.direct<{ id: number }>('SELECT id FROM items ORDER BY id')).map((r) => r.id);
}

/** The next pending statement request the approver sees, not one in `seen`. */
async function nextRequest(seen: Set<string>): Promise<Record<string, any>> {
  const request = await eventually(async () => {
    const queue = await approver.api.get('/v1/access-requests?status=pending');
    return (queue.body.items as Array<Record<string, any>>).find((r) => r.kind === 'statement' && !seen.has(r.id)) ?? null;
  }, 8_000);
  seen.add(request.id);
  return request;
}

async function approve(id: string): Promise<void> {
  const response = await approver.api.post(`/v1/access-requests/${id}/approve`, { comment: 'this one' });
  expect(response.status).toBe(200);
}

const readyCount = (client: RawPgClient, offset: number) => client.messages(offset).filter((m) => m.type === 0x5a).length;

describe('the extended protocol', () => {
  it('a statement parsed once and approved once runs once; the next execution, with other values, waits for its own approval', async () => {
    const client = await loggedIn();
    const seen = new Set<string>();
    const offset = client.received.length;
    client.write(Buffer.concat([encodeParse('del', 'DELETE FROM items WHERE id = $1'), encodeBind({ statement: 'del', params: ['1'] }), encodeExecute(''), encodeSync()]));
    const first = await nextRequest(seen);
    // The approver sees the statement and the value it runs with.
    expect(first.statement).toContain('DELETE FROM items WHERE id = $1');
    expect(first.parameters).toEqual(['1']);
    await approve(first.id);
    await client.until(() => readyCount(client, offset) >= 1, 'the first batch');
    expect(await remaining()).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);

    // Again, with other values, on the same prepared statement: held again, showing them.
    const second = client.received.length;
    client.write(Buffer.concat([encodeBind({ statement: 'del', params: ['2'] }), encodeExecute(''), encodeBind({ statement: 'del', params: ['3'] }), encodeExecute(''), encodeSync()]));
    const request = await nextRequest(seen);
    expect(request.parameters).toEqual(['2']);
    await approver.api.post(`/v1/access-requests/${request.id}/deny`, { comment: 'no' });
    await client.until(() => readyCount(client, second) >= 1, 'the second batch');
    expect(client.error(second)?.['M']).toMatch(/^jitgate: .*denied/);
    expect(await remaining()).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('a prepared name cannot be re-bound to another statement behind the gateway (the server keeps the first)', async () => {
    const client = await loggedIn();
    const offset = client.received.length;
    // The approval-needing statement first, then the same name for a harmless one: the server
    // refuses the second Parse (the name exists); a gateway that believed it would let the
    // DELETE run unapproved.
    client.write(Buffer.concat([encodeParse('twice', 'DELETE FROM items WHERE id = $1'), encodeSync()]));
    await client.until(() => readyCount(client, offset) >= 1, 'the first parse');
    const second = client.received.length;
    client.write(Buffer.concat([encodeParse('twice', 'SELECT $1::int'), encodeSync()]));
    await client.until(() => readyCount(client, second) >= 1, 'the second parse');
    expect(client.error(second)?.['C']).toBe('42P05');
    const third = client.received.length;
    client.write(Buffer.concat([encodeBind({ statement: 'twice', params: ['4'] }), encodeExecute(''), encodeSync()]));
    // Nobody approves: it must not run.
    await client.until(() => readyCount(client, third) >= 1, 'the execution', 15_000);
    expect(client.error(third)?.['M']).toMatch(/^jitgate: /);
    expect(await remaining()).toContain(4);
  });
});

describe('SQL PREPARE and EXECUTE', () => {
  it('each EXECUTE of a prepared DELETE needs its own approval, shown with its arguments', async () => {
    const client = await loggedIn();
    const seen = new Set<string>();
    await client.query('PREPARE d(int) AS DELETE FROM items WHERE id = $1');
    const running = client.query('EXECUTE d(5)');
    const first = await nextRequest(seen);
    expect(JSON.stringify(first)).toMatch(/EXECUTE d\(5\)/);
    expect(JSON.stringify(first)).toMatch(/DELETE FROM items WHERE id = \$1/);
    await approve(first.id);
    await running;
    expect(await remaining()).not.toContain(5);
    const offset = client.received.length;
    const second = client.query('EXECUTE d(6)');
    const request = await nextRequest(seen);
    expect(JSON.stringify(request)).toMatch(/EXECUTE d\(6\)/);
    await approver.api.post(`/v1/access-requests/${request.id}/deny`, {});
    await second;
    expect(client.error(offset)?.['M']).toMatch(/^jitgate: .*denied/);
    expect(await remaining()).toContain(6);
  });

  it('EXECUTE of a name the gateway never saw prepared is refused', async () => {
    const client = await loggedIn();
    const offset = client.received.length;
    await client.query('EXECUTE never_prepared(1)');
    expect(client.error(offset)?.['M']).toMatch(/^jitgate: /);
  });
});
