// Issue 13, classes 2 and 3: what escapes the database or its privileges is blocked by default,
// with no guardrail naming it, and a read-only session cannot find its way back to writing.
// The agent logs in as a superuser here on purpose: the baseline must hold even where the
// database itself would let everything through (the demo and many real setups did exactly that),
// so each attack is checked on the server — the role, the file, the rows, the config are as
// they were.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createIdentity, type TestIdentity } from '@jitgate/testkit';
import { PostgresStack, SHOP } from '../support/postgres-stack.js';

let pgs: PostgresStack;
let reader: TestIdentity;
const marker = `/tmp/jitgate-baseline-${process.pid}`;
const role = `jitgate_pwned_${process.pid}`;

const GUARDRAILS = [
  {
    name: 'shop-sql',
    match: { connection: { names: [SHOP] } },
    // Only what the example policies had: no baseline class is named anywhere.
    sql: { block: ['drop', 'truncate', 'delete_without_where', 'update_without_where'], unparseable: 'refuse' },
  },
];

beforeAll(async () => {
  pgs = await PostgresStack.start('pg_attacks_baseline', { guardrails: GUARDRAILS, agentAsSuperuser: true });
  await pgs.stack.requestGrant(SHOP);
  reader = await createIdentity(pgs.stack.admin(), { subject: 'rita-reader', groups: ['dev'] });
  const created = await reader.api.post('/v1/access-requests', { connection: SHOP, duration: 600, reason: 'read', scope: 'read-only' });
  expect(created.body.status).toBe('approved');
  await pgs.asOwner('CREATE TABLE items (id int PRIMARY KEY, note text)');
  await pgs.asOwner("INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 5) g");
  await pgs.asOwner('CREATE FUNCTION wipe_items() RETURNS int LANGUAGE sql AS $$ DELETE FROM items RETURNING 1 $$');
}, 120_000);

afterAll(async () => {
  // Whatever a failing run did to the shared server is undone here.
  await pgs?.direct(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
  await pgs?.direct('ALTER SYSTEM RESET jit_above_cost').catch(() => {});
  await pgs?.dispose();
});

async function refusal(sql: string, token?: string): Promise<string> {
  const client = pgs.client(token ? { token } : {});
  await client.connect();
  try {
    await client.query(sql);
    return 'ran';
  } catch (error) {
    return (error as pg.DatabaseError).message;
  } finally {
    await client.end();
  }
}

async function itemCount(): Promise<number> {
  const [row] = await pgs.direct<{ n: number }>('SELECT count(*)::int AS n FROM items');
  return row!.n;
}

describe('the baseline, with no guardrail naming it', () => {
  it.each([
    ['a program on the database host', `COPY (SELECT 1) TO PROGRAM 'touch ${marker}'`],
    ['a program, reading', `COPY items FROM PROGRAM 'touch ${marker}; echo 9'`],
    ['a server file', `COPY (SELECT 1) TO '${marker}'`],
    ['a server file through a large object', `SELECT lo_export(lo_from_bytea(0, 'x'), '${marker}')`],
  ])('%s: refused, and nothing is written on the host', async (_what, sql) => {
    expect(await refusal(sql)).toMatch(/^jitgate: /);
    expect(existsSync(marker)).toBe(false);
  });

  it('a login role that never passes the gateway', async () => {
    expect(await refusal(`CREATE ROLE ${role} SUPERUSER LOGIN PASSWORD 'x'`)).toMatch(/^jitgate: /);
    expect(await pgs.direct(`SELECT 1 FROM pg_roles WHERE rolname = '${role}'`)).toEqual([]);
  });

  it('a function created in the session, run later, and a DO block', async () => {
    expect(await refusal('CREATE FUNCTION sneak() RETURNS int LANGUAGE sql AS $$ DELETE FROM items RETURNING 1 $$')).toMatch(/^jitgate: /);
    expect(await refusal('CREATE PROCEDURE sneak_p() LANGUAGE sql AS $$ DELETE FROM items $$')).toMatch(/^jitgate: /);
    expect(await refusal("DO $$ BEGIN EXECUTE 'DELETE FROM items'; END $$")).toMatch(/^jitgate: /);
    expect(await refusal('CREATE TRIGGER t BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()')).toMatch(/^jitgate: /);
    expect(await refusal('CREATE RULE r AS ON INSERT TO items DO INSTEAD DELETE FROM items')).toMatch(/^jitgate: /);
    expect(await itemCount()).toBe(5);
  });

  it("the server's configuration, and settings only a superuser may change", async () => {
    expect(await refusal('ALTER SYSTEM SET jit_above_cost = 123456')).toMatch(/^jitgate: /);
    expect(await pgs.direct("SELECT 1 FROM pg_file_settings WHERE name = 'jit_above_cost' AND sourcefile LIKE '%postgresql.auto.conf'")).toEqual([]);
    expect(await refusal('SET session_replication_role = replica')).toMatch(/^jitgate: /);
    expect(await refusal('SELECT pg_reload_conf()')).toMatch(/^jitgate: /);
    expect(await refusal("LOAD 'auto_explain'")).toMatch(/^jitgate: /);
  });

  it('extensions, grants and transactions that outlive the session', async () => {
    expect(await refusal('CREATE EXTENSION IF NOT EXISTS hstore')).toMatch(/^jitgate: /);
    expect(await pgs.direct("SELECT 1 FROM pg_extension WHERE extname = 'hstore'")).toEqual([]);
    expect(await refusal('GRANT ALL ON items TO PUBLIC')).toMatch(/^jitgate: /);
    expect(await pgs.direct("SELECT 1 FROM information_schema.role_table_grants WHERE table_name = 'items' AND grantee = 'PUBLIC'")).toEqual([]);
    expect(await refusal("BEGIN; DELETE FROM items WHERE id = 1; PREPARE TRANSACTION 'keep'")).toMatch(/^jitgate: /);
    expect(await pgs.direct('SELECT 1 FROM pg_prepared_xacts')).toEqual([]);
    expect(await itemCount()).toBe(5);
  });

  it('a constant-true WHERE is no WHERE', async () => {
    for (const where of ['1 = 1', 'true OR id = 3', "'a' = 'a'", 'id = id', 'NOT false', 'EXISTS (SELECT 1)']) {
      expect(await refusal(`UPDATE items SET note = 'gone' WHERE ${where}`), where).toMatch(/^jitgate: /);
      expect(await refusal(`DELETE FROM items WHERE ${where}`), where).toMatch(/^jitgate: /);
    }
    expect(await pgs.direct("SELECT 1 FROM items WHERE note = 'gone'")).toEqual([]);
    expect(await itemCount()).toBe(5);
  });
});

describe('a read-only session does not write, by any road', () => {
  it.each([
    ['BEGIN READ WRITE; INSERT INTO items VALUES (100)'],
    ['START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE; INSERT INTO items VALUES (101)'],
    ['BEGIN; SET TRANSACTION READ WRITE; INSERT INTO items VALUES (102); COMMIT'],
    ['SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE'],
    ['SET default_transaction_read_only = off'],
    ['SET transaction_read_only = off'],
    ["SELECT set_config('default_transaction_read_only', 'off', false)"],
    ['SELECT wipe_items()'],
    ['SELECT * FROM items, LATERAL wipe_items()'],
    ['EXPLAIN ANALYZE SELECT wipe_items()'],
  ])('%s: refused by the gateway', async (sql) => {
    expect(await refusal(sql, reader.token)).toMatch(/^jitgate: /);
    expect(await itemCount()).toBe(5);
  });

  it('reads still work, with the functions known not to write', async () => {
    const client = pgs.client({ token: reader.token });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT count(*)::int AS n, max(upper(note)) AS m, now() IS NOT NULL AS t FROM items WHERE note LIKE 'n%'");
      expect(rows).toEqual([{ n: 5, m: 'N5', t: true }]);
      expect((await client.query('SHOW default_transaction_read_only')).rows).toEqual([{ default_transaction_read_only: 'on' }]);
    } finally {
      await client.end();
    }
  });
});

describe('relaxing the baseline is a decision in the policy', () => {
  it('a guardrail that allows do_block lets a DO block run, and nothing else of the baseline', async () => {
    const policies = await pgs.stack.admin().get('/v1/policies');
    const shop = (policies.body.items as Array<Record<string, any>>).find((p) => p.name === 'shop')!;
    const guardrails = [...shop.guardrails, { name: 'allow-do', match: { connection: { names: [SHOP] } }, sql: { allow: ['do_block'] } }];
    const updated = await pgs.stack.admin().put(`/v1/policies/${shop.id}`, { rules: shop.rules, guardrails });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(await refusal('DO $$ BEGIN PERFORM 1; END $$')).toBe('ran');
    expect(await refusal(`CREATE ROLE ${role} LOGIN`)).toMatch(/^jitgate: /);
  });
});
