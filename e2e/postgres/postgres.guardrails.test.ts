// Guardrails and masking on a postgres session (issue 4 §4–5), with real clients: statements a
// guardrail blocks never reach the server, wherever they hide; held statements wait for a human
// approving through the REST API; result rows are masked by column and by content, and the
// protocol stays valid for the client.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity, eventually, type TestIdentity } from '@jitgate/testkit';
import { PostgresStack, SHOP } from '../support/postgres-stack.js';

let pgs: PostgresStack;
let approver: TestIdentity;

const GUARDRAILS = [
  {
    name: 'shop-sql',
    match: { connection: { names: [SHOP] } },
    sql: {
      block: ['drop', 'truncate', 'alter_owner', 'grant', 'delete_without_where', 'update_without_where', 'copy_to_program', 'dangerous_function', 'set_role', 'do_block'],
      requireApproval: ['delete'],
      approvals: { count: 1, groups: ['dba'] },
      approvalTimeout: '4s',
      unparseable: 'refuse',
    },
    masking: { columns: ['card_number'], detectors: ['email', 'phone', 'payment_card', 'national_id', 'gcp_api_key', 'gcp_private_key', 'jwt'] },
  },
];

beforeAll(async () => {
  pgs = await PostgresStack.start('pg_guardrails', { guardrails: GUARDRAILS });
  await pgs.stack.requestGrant(SHOP);
  approver = await createIdentity(pgs.stack.admin(), { subject: 'dana-dba', groups: ['dba'] });
}, 120_000);

afterAll(async () => {
  await pgs?.dispose();
});

async function withClient<T>(run: (client: ReturnType<PostgresStack['client']>) => Promise<T>, token?: string): Promise<T> {
  const client = pgs.client(token ? { token } : {});
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

describe('blocked statements', () => {
  const blocked: Array<[string, string]> = [
    ['drop table orders', 'DROP'],
    ['select 1; drop table orders', 'hidden after a harmless statement'],
    ['truncate orders', 'TRUNCATE'],
    ['alter table orders owner to postgres', 'ALTER … OWNER'],
    ['grant all on customers to public', 'GRANT'],
    ['delete from orders', 'DELETE without WHERE'],
    ['update customers set balance = 0', 'UPDATE without WHERE'],
    ["copy orders to program 'cat > /tmp/jitgate-leak'", 'COPY … TO PROGRAM'],
    ["select name from customers where name = (select pg_read_file('/etc/hostname'))", 'pg_read_file in a subquery'],
    ["select set_config('role', 'postgres', false)", 'set_config of the role'],
    ['set role postgres', 'SET ROLE'],
    ['set session authorization postgres', 'SET SESSION AUTHORIZATION'],
    ["do $$ begin execute 'drop table orders'; end $$", 'DO block'],
    ['selec * from customers', 'unparseable'],
  ];

  it.each(blocked)('refuses %s (%s) with 42501 and the server never runs it', async (sql) => {
    await withClient(async (client) => {
      const error = await client.query(sql).then(
        () => undefined,
        (e: { code?: string; message: string }) => e,
      );
      expect(error?.code).toBe('42501');
      expect(error?.message).toMatch(/^jitgate: /);
      // The session goes on.
      expect((await client.query('select count(*)::int as n from orders')).rows).toEqual([{ n: 50 }]);
    });
    const [row] = await pgs.direct<{ orders: number; balance: number }>('select (select count(*)::int from orders) as orders, (select sum(balance)::int from customers) as balance');
    expect(row).toEqual({ orders: 50, balance: 500 });
  });

  it('refuses in the extended protocol too, and a transaction fails as if the server had refused', async () => {
    await withClient(async (client) => {
      await expect(client.query('delete from orders returning $1::int', [1]).catch((e: { code: string }) => e.code)).resolves.toBe('42501');
      await client.query('begin');
      await expect(client.query('update customers set balance = $1', [0]).catch((e: { code: string }) => e.code)).resolves.toBe('42501');
      // In a failed transaction, the server refuses the rest until ROLLBACK (25P02).
      await expect(client.query('select 1').catch((e: { code: string }) => e.code)).resolves.toBe('25P02');
      await client.query('rollback');
      expect((await client.query('select count(*)::int as n from customers where balance > $1', [0])).rows).toEqual([{ n: 3 }]);
    });
  });

  it('records each block with its rule', async () => {
    const session = await eventually(async () => (await pgs.sessions()).find((s) => !s.active) ?? null);
    const events = await pgs.events(session.id);
    const block = events.find((e) => e.kind === 'blocked');
    expect(block).toMatchObject({ outcome: 'blocked', details: { rule: expect.any(String), reason: expect.stringMatching(/^jitgate: /) } });
  });
});

describe('statements held for approval', () => {
  async function pendingStatementRequest(): Promise<Record<string, any>> {
    return eventually(async () => {
      const queue = await approver.api.get('/v1/access-requests?status=pending');
      return (queue.body.items as Array<Record<string, any>>).find((r) => r.kind === 'statement') ?? null;
    }, 4_000);
  }

  it('runs a DELETE once a dba approves it through the REST API', async () => {
    await withClient(async (client) => {
      const running = client.query('delete from orders where id = $1', [50]);
      const request = await pendingStatementRequest();
      expect(request).toMatchObject({ statement: 'delete from orders where id = $1', requester: { subject: 'alice' } });
      // Alice cannot approve her own statement.
      expect((await pgs.stack.alice.api.post(`/v1/access-requests/${request.id}/approve`, {})).status).toBe(403);
      expect((await approver.api.post(`/v1/access-requests/${request.id}/approve`, { comment: 'ok, one order' })).status).toBe(200);
      expect((await running).rowCount).toBe(1);
    });
    expect(await pgs.direct('select id from orders where id = 50')).toEqual([]);
  });

  it('refuses it with the request id when the dba denies, and when nobody decides in time', async () => {
    await withClient(async (client) => {
      const denied = client.query('delete from orders where id = 49').catch((e: { code: string; message: string }) => e);
      const request = await pendingStatementRequest();
      await approver.api.post(`/v1/access-requests/${request.id}/deny`, { comment: 'no' });
      expect(await denied).toMatchObject({ code: '42501', message: expect.stringContaining(`approval request ${request.id} was denied`) });

      const started = Date.now();
      const timedOut = await client.query('delete from orders where id = 48').catch((e: { code: string; message: string }) => e);
      expect(timedOut).toMatchObject({ code: '42501', message: expect.stringMatching(/approval request [0-9a-f-]{36} was not decided in time/) });
      expect(Date.now() - started).toBeGreaterThanOrEqual(3_500);
    });
    expect(await pgs.direct<{ n: number }>('select count(*)::int as n from orders where id in (48, 49)')).toEqual([{ n: 2 }]);
  });
});

describe('masking', () => {
  it('masks card_number by column and e-mail, phone, card and national ID by content; numbers stay numbers', async () => {
    const rows = await withClient(async (client) => (await client.query('select id, name, email, card_number, phone, notes, balance from customers order by id')).rows);
    expect(rows[0]).toEqual({
      id: 1,
      name: 'Ada Lovelace',
      email: '[REDACTED:email]',
      card_number: '[REDACTED]',
      phone: '[REDACTED:phone]',
      notes: 'prefers e-mail: [REDACTED:email]',
      balance: 120,
    });
    expect(rows[2]).toMatchObject({ notes: 'SSN on file [REDACTED:national_id]', card_number: '[REDACTED]' });
    // An expression over the masked column is masked whole, whatever it is called (lineage);
    // a card number from anywhere else is found by its content (Luhn-checked).
    const [{ card, literal }] = await withClient(async (client) => (await client.query("select card_number || '' as card, '5555-5555-5555-4444' as literal from customers where id = 2")).rows);
    expect(card).toBe('[REDACTED]');
    expect(literal).toBe('[REDACTED:payment_card]');
  });

  it('masks GCP API keys, service-account private keys and JWTs, in text and JSON columns', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const apiKey = `AIza${'Sy0123456789abcdefghijklmnopqrstuvw'.slice(0, 35)}`;
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const jwt = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: 'alice', exp: 2_000_000_000 })}.${Buffer.from('signature-bytes-here').toString('base64url')}`;
    await pgs.asOwner('create table if not exists secrets (id int primary key, note text, doc jsonb)');
    await pgs.asOwner('insert into secrets values (1, $1, $2), (2, $3, $4) on conflict do nothing', [
      `key=${apiKey}`,
      JSON.stringify({ type: 'service_account', private_key: pem, client_email: 'sa@proj.iam.gserviceaccount.com' }),
      `Bearer ${jwt}`,
      JSON.stringify({ token: jwt, count: 3 }),
    ]);
    const rows = await withClient(async (client) => (await client.query('select id, note, doc from secrets order by id')).rows);
    expect(rows[0].note).toBe('key=[REDACTED:gcp_api_key]');
    expect(JSON.stringify(rows[0].doc)).not.toContain('BEGIN PRIVATE KEY');
    expect(rows[0].doc.type).toBe('service_account');
    expect(rows[1].note).toBe('Bearer [REDACTED:jwt]');
    // Still JSON of the same shape: only the string changed.
    expect(rows[1].doc).toEqual({ token: '[REDACTED:jwt]', count: 3 });
  });

  it('refuses COPY … TO STDOUT where columns are masked', async () => {
    const result = await pgs.psql(['-c', 'copy customers to stdout']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('COPY … TO STDOUT is refused');
  });
});

describe('read-only grants', () => {
  it('a grant with scope "read-only" runs reads and refuses writes', async () => {
    const carol = await createIdentity(pgs.stack.admin(), { subject: 'carol-reader', groups: ['dev'] });
    const created = await carol.api.post('/v1/access-requests', { connection: SHOP, duration: 600, reason: 'look around', scope: 'read-only' });
    expect(created.body.status).toBe('approved');
    await withClient(async (client) => {
      expect((await client.query('select count(*)::int as n from customers')).rows).toEqual([{ n: 3 }]);
      await expect(client.query('insert into orders (customer_id, total) values (1, 1)').catch((e: { code: string; message: string }) => e)).resolves.toMatchObject({
        code: '42501',
        message: expect.stringMatching(/read-only|not read only|read only/i),
      });
    }, carol.token);
  });
});
