// Scope enforced by the database as well (issue 13, class 2): a read-only grant must not write
// even when the gateway's parser is fooled. The write here is one no parser can see: a view on
// the target, created directly by the test, whose column calls a function that UPDATEs a table;
// `select * from customer_stats` reads as a plain SELECT. A read-write grant shows that the write
// is real; read-only grants, through a connection that names a read-only role (the role has no
// UPDATE) or through one that has only the one credential (the server session is opened with
// default_transaction_read_only), leave the table as it was, checked on the target. And the
// agent says who it is on the server: the session's `session.started` event records the role
// and its privileges, and a superuser login is warned about.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createIdentity, eventually, type TestIdentity } from '@jitgate/testkit';
import { PostgresStack, SHOP, suiteDatabase, suiteRole, urlOf } from '../support/postgres-stack.js';

const SUITE = 'pg_scope';
const TARGET = suiteDatabase(SUITE);
const ROLE = suiteRole(SUITE);
const READ_ONLY_ROLE = `${ROLE}_ro`;
/** A login that may become a CREATEROLE role through membership. */
const MEMBER_ROLE = `${ROLE}_m`;
const ROLE_ADMINS = `${ROLE}_admins`;

const SCOPED = 'shop-scoped';
const GUARDED = 'shop-guarded';
const AS_SUPERUSER = 'shop-superuser';
const AS_MEMBER = 'shop-member';

const settings = (user: string, extra: Record<string, unknown> = {}) => ({ host: '127.0.0.1', port: 5432, database: TARGET, user, sslmode: 'disable', ...extra });

let pgs: PostgresStack;
let rita: TestIdentity;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: urlOf('postgres') });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

beforeAll(async () => {
  for (const role of [READ_ONLY_ROLE, MEMBER_ROLE, ROLE_ADMINS]) await admin(`DROP ROLE IF EXISTS ${role}`);
  pgs = await PostgresStack.start(SUITE, {
    extraConnections: [
      // Read-only sessions log in as the read-only role; the others as the suite's role.
      { name: SCOPED, settings: settings(ROLE, { scopes: { 'read-only': { user: READ_ONLY_ROLE, credentialRef: 'env:SHOP_RO_PASSWORD' } } }), credentialRef: 'env:SHOP_DB_PASSWORD' },
      { name: GUARDED, settings: settings(ROLE), credentialRef: 'env:SHOP_DB_PASSWORD' },
      // Superuser on purpose: the session event and the warnings must say so.
      { name: AS_SUPERUSER, settings: settings('postgres'), credentialRef: 'env:SHOP_DB_PASSWORD' },
      { name: AS_MEMBER, settings: settings(MEMBER_ROLE), credentialRef: 'env:SHOP_DB_PASSWORD' },
    ],
    agentEnv: { SHOP_RO_PASSWORD: 'not-needed-with-trust' },
    // A guardrail, not the grant, makes GUARDED's sessions read-only.
    guardrails: [{ name: 'guarded-reads', match: { connection: { names: [GUARDED] } }, sql: { readOnly: true } }],
  });
  await admin(`CREATE ROLE ${READ_ONLY_ROLE} LOGIN`);
  await admin(`CREATE ROLE ${ROLE_ADMINS} NOLOGIN CREATEROLE`);
  await admin(`CREATE ROLE ${MEMBER_ROLE} LOGIN IN ROLE ${ROLE_ADMINS}`);
  await pgs.direct(`
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${READ_ONLY_ROLE}, ${MEMBER_ROLE};
    CREATE FUNCTION touch_balance() RETURNS integer LANGUAGE sql AS $$ UPDATE customers SET balance = balance + 1000 WHERE id = 1 RETURNING 1 $$;
    CREATE VIEW customer_stats AS SELECT touch_balance() AS touched;
    GRANT SELECT ON customer_stats TO ${ROLE}, ${READ_ONLY_ROLE}, ${MEMBER_ROLE};`);
  await pgs.stack.requestGrant(SHOP);
  for (const name of [SCOPED, GUARDED, AS_SUPERUSER, AS_MEMBER]) await pgs.stack.requestGrant(name);
  rita = await createIdentity(pgs.stack.admin(), { subject: 'rita', groups: ['analysts'] });
  for (const connection of [SHOP, SCOPED]) {
    const created = await rita.api.post('/v1/access-requests', { connection, duration: 3600, reason: 'read-only report', scope: 'read-only' });
    expect(created.body, JSON.stringify(created.body)).toMatchObject({ status: 'approved', scope: 'read-only', grant: { status: 'active' } });
  }
}, 180_000);

afterAll(async () => {
  await pgs?.dispose();
  for (const role of [READ_ONLY_ROLE, MEMBER_ROLE, ROLE_ADMINS]) await admin(`DROP ROLE IF EXISTS ${role}`);
});

async function withClient<T>(options: { token?: string; database: string }, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = pgs.client(options);
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A session on `database` that runs one query, and the details of its session.started event. */
async function startedEvent(options: { token?: string; database: string }): Promise<{ sessionId: string; details: Record<string, any> }> {
  const sessionId = await withClient(options, async (client) => {
    await client.query('select 1');
    return (await pgs.sessionOf(client, options.database)).id as string;
  });
  // The recording is complete once the session has ended.
  const events = await eventually(async () => {
    const list = await pgs.events(sessionId);
    return list.some((e) => e.details?.event === 'session.started') ? list : null;
  });
  return { sessionId, details: events.find((e) => e.details?.event === 'session.started')!.details as Record<string, any> };
}

const balance = async (): Promise<number> => (await pgs.direct<{ balance: number }>('select balance from customers where id = 1'))[0]!.balance;
const who = async (client: pg.Client): Promise<{ user: string; readOnly: string }> =>
  (await client.query<{ user: string; readOnly: string }>('select current_user as "user", current_setting(\'transaction_read_only\') as "readOnly"')).rows[0]!;

/** The hidden write's error code, or 'ran' when it ran. */
const hiddenWrite = (client: pg.Client): Promise<string> =>
  client.query('select * from customer_stats').then(
    () => 'ran',
    (error: { code?: string }) => error.code ?? 'no code',
  );

describe('a read-only grant cannot write, even where the gateway sees only a SELECT', () => {
  it('the write hidden in the view is real: a read-write grant runs it, as the suite role', async () => {
    const before = await balance();
    await withClient({ database: SCOPED }, async (client) => {
      expect(await who(client)).toEqual({ user: ROLE, readOnly: 'off' });
      expect(await hiddenWrite(client)).toBe('ran');
    });
    expect(await balance()).toBe(before + 1000);
    await pgs.direct('update customers set balance = $1 where id = 1', [before]);
  });

  it('a connection with a read-only role: the session is that role, and the database refuses the write', async () => {
    const before = await balance();
    await withClient({ token: rita.token, database: SCOPED }, async (client) => {
      expect(await who(client)).toEqual({ user: READ_ONLY_ROLE, readOnly: 'on' });
      expect(['42501', '25006']).toContain(await hiddenWrite(client));
      // Even a transaction declared read-write (the guard may refuse the BEGIN itself, and
      // that is fine): the role has no UPDATE, so the database refuses the write.
      await client.query('begin transaction read write').catch(() => undefined);
      expect(['42501', '25006', '25P02']).toContain(await hiddenWrite(client));
      await client.query('rollback').catch(() => undefined);
    });
    expect(await balance()).toBe(before);
  });

  it('a connection with one credential: the server session is read-only, and the database refuses the write', async () => {
    const before = await balance();
    await withClient({ token: rita.token, database: SHOP }, async (client) => {
      expect(await who(client)).toEqual({ user: ROLE, readOnly: 'on' });
      const { rows } = await client.query<{ default_transaction_read_only: string }>('show default_transaction_read_only');
      expect(rows).toEqual([{ default_transaction_read_only: 'on' }]);
      expect(await hiddenWrite(client)).toBe('25006');
    });
    expect(await balance()).toBe(before);
  });

  it('a guardrail that makes the session read-only opens it read-only on the server too', async () => {
    const before = await balance();
    await withClient({ database: GUARDED }, async (client) => {
      expect(await who(client)).toEqual({ user: ROLE, readOnly: 'on' });
      expect(await hiddenWrite(client)).toBe('25006');
    });
    expect(await balance()).toBe(before);
  });
});

describe('who the agent is on the server', () => {
  it('session.started records the role, its privileges and whether the server session is read-only', async () => {
    expect((await startedEvent({ database: SHOP })).details).toMatchObject({
      readOnly: false,
      serverRole: { role: ROLE, superuser: false, createRole: false, bypassRls: false, replication: false, readOnly: false, memberOfPrivileged: false },
      pinnedSettings: { client_encoding: 'UTF8', standard_conforming_strings: 'on' },
    });
    expect((await startedEvent({ token: rita.token, database: SCOPED })).details).toMatchObject({
      readOnly: true,
      serverRole: { role: READ_ONLY_ROLE, superuser: false, readOnly: true },
      pinnedSettings: { client_encoding: 'UTF8', standard_conforming_strings: 'on', default_transaction_read_only: 'on' },
    });
    expect(pgs.stack.gateway.allOutput()).not.toMatch(/privileged role/);
  });

  it('a superuser login is recorded and warned about, by the gateway and by the agent', async () => {
    const { sessionId, details } = await startedEvent({ database: AS_SUPERUSER });
    expect(details['serverRole']).toMatchObject({ role: 'postgres', superuser: true });
    const warning = await eventually(async () =>
      pgs.stack.gateway
        .allOutput()
        .split('\n')
        .find((line) => line.includes(sessionId) && line.includes('privileged role')),
    );
    expect(warning).toContain('superuser');
    await pgs.stack.agent!.waitForOutput(/"privileges":\["superuser"[^\n]*privileged role/);
  });

  it('a role that can become a CREATEROLE role through membership is recorded as such', async () => {
    expect((await startedEvent({ database: AS_MEMBER })).details['serverRole']).toMatchObject({ role: MEMBER_ROLE, superuser: false, createRole: false, memberOfPrivileged: true });
  });
});
