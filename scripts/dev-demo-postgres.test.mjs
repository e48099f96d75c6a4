// `node --test scripts/`: the Postgres demo's target, seed and roles (scripts/dev-demo-postgres.mjs,
// dev-demo-roles.mjs), the seed and the roles against the machine's PostgreSQL (TEST_DATABASE_URL,
// default postgres@127.0.0.1:5432, which trusts loopback) in a database of its own, the roles
// under names of their own (roles are the whole server's).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { seedShop, shopConnectionSettings, shopTarget } from './dev-demo-postgres.mjs';
import { ensureShopRoles, rolePasswords, SHOP_ROLES } from './dev-demo-roles.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pg = createRequire(path.join(repo, 'packages', 'db', 'package.json'))('pg');
const server = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

describe('shopTarget', () => {
  it('takes host, port, user and password from the URL dev uses, and names the demo database', () => {
    assert.deepEqual(shopTarget('postgresql://app:s%40cret@db.local:6543/jitgate?sslmode=require'), {
      host: 'db.local',
      port: 6543,
      sslmode: 'require',
      databaseUrl: 'postgresql://app:s%40cret@db.local:6543/jitgate_demo_shop?sslmode=require',
    });
  });

  it('falls back to port 5432 and plaintext on a local server', () => {
    assert.deepEqual(shopTarget('postgresql://127.0.0.1/jitgate'), {
      host: '127.0.0.1',
      port: 5432,
      sslmode: 'disable',
      databaseUrl: 'postgresql://127.0.0.1/jitgate_demo_shop',
    });
    assert.equal(shopTarget('postgresql://postgres@[::1]:5433/jitgate?sslmode=prefer').host, '::1');
    assert.equal(shopTarget('postgresql://postgres@[::1]:5433/jitgate?sslmode=prefer').sslmode, 'disable');
  });

  it("the connection logs in as the demo's read-write role, and as its read-only role for read-only grants, never as the URL's user", () => {
    const settings = shopConnectionSettings(shopTarget('postgresql://postgres@127.0.0.1:5432/jitgate'));
    assert.deepEqual(settings, {
      host: '127.0.0.1',
      port: 5432,
      database: 'jitgate_demo_shop',
      user: 'jitgate_demo_shop_rw',
      sslmode: 'disable',
      scopes: { 'read-only': { user: 'jitgate_demo_shop_ro', credentialRef: 'env:DEMO_SHOP_RO_DB_PASSWORD' } },
    });
    assert.equal(SHOP_ROLES.readWrite.env, 'DEMO_SHOP_DB_PASSWORD');
  });
});

describe('seedShop', () => {
  const name = `jitgate_devdemo_seed_${randomBytes(4).toString('hex')}`;
  const url = new URL(server);
  url.pathname = `/${name}`;
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const query = async (sql) => {
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  before(() => admin(`CREATE DATABASE ${name}`));
  after(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));

  it('creates and fills the tables once, then writes nothing', async () => {
    const lines = [];
    assert.deepEqual(await seedShop(repo, url.toString(), (l) => lines.push(l)), { customers: 5, orders: 40 });
    assert.deepEqual(await seedShop(repo, url.toString(), (l) => lines.push(l)), { customers: 0, orders: 0 });
    assert.equal(lines.length, 1);
    const [notes] = await query("select count(*)::int as n from customers where notes ~ '\\d{3}-\\d{2}-\\d{4}'");
    assert.equal(notes.n, 1, 'a national-ID-like value in a notes column');
  });

  it('puts back demo rows that were deleted or changed, keeps added rows, and new rows get free ids', async () => {
    await query("delete from orders where id = 40; update customers set email = 'x@example.com' where id = 2; insert into customers (name, email) values ('Added', 'added@example.com')");
    assert.deepEqual(await seedShop(repo, url.toString(), () => {}), { customers: 1, orders: 1 });
    assert.deepEqual(await query('select email from customers where id = 2'), [{ email: 'alan@example.com' }]);
    assert.deepEqual(await query("select count(*)::int as n from customers where name = 'Added'"), [{ n: 1 }]);
    const [fresh] = await query('insert into orders (customer_id, total) values (1, 9.99) returning id');
    assert.equal(fresh.id, 41);
  });
});

describe('the demo roles', () => {
  const suffix = randomBytes(4).toString('hex');
  const roles = {
    readWrite: { ...SHOP_ROLES.readWrite, name: `jitgate_devdemo_rw_${suffix}` },
    readOnly: { ...SHOP_ROLES.readOnly, name: `jitgate_devdemo_ro_${suffix}` },
  };
  const name = `jitgate_devdemo_roles_${suffix}`;
  const url = new URL(server);
  url.pathname = `/${name}`;
  let dataDir;
  const run = async (sql, as) => {
    const target = new URL(url);
    if (as) {
      target.username = as;
      target.password = '';
    }
    const client = new pg.Client({ connectionString: target.toString() });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  /** The SQLSTATE a statement fails with as `role`, or 'ok'. */
  const outcome = (sql, role) =>
    run(sql, role).then(
      () => 'ok',
      (error) => error.code,
    );
  const serverAdmin = async (sql) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'jitgate-devdemo-'));
    await serverAdmin(`CREATE DATABASE ${name}`);
    await seedShop(repo, url.toString(), () => {});
  });
  after(async () => {
    await serverAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    for (const role of Object.values(roles)) await serverAdmin(`DROP ROLE IF EXISTS ${role.name}`);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('generates each password once and keeps it readable by the owner only', async () => {
    const first = await rolePasswords(dataDir, roles);
    assert.deepEqual(Object.keys(first).sort(), [roles.readOnly.name, roles.readWrite.name].sort());
    assert.match(first[roles.readWrite.name], /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(first[roles.readWrite.name], first[roles.readOnly.name]);
    assert.deepEqual(await rolePasswords(dataDir, roles), first);
    assert.equal((await stat(path.join(dataDir, roles.readOnly.file))).mode & 0o777, 0o600);
  });

  it('creates the roles once, with no privileged attribute; a second start creates nothing', async () => {
    const passwords = await rolePasswords(dataDir, roles);
    const lines = [];
    assert.deepEqual(await ensureShopRoles(repo, url.toString(), passwords, (l) => lines.push(l), roles), [roles.readWrite.name, roles.readOnly.name]);
    assert.deepEqual(await ensureShopRoles(repo, url.toString(), passwords, (l) => lines.push(l), roles), []);
    assert.equal(lines.length, 2);
    const attributes = await run(
      `select rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin from pg_roles where rolname in ('${roles.readWrite.name}', '${roles.readOnly.name}') order by rolname`,
    );
    for (const row of attributes)
      assert.deepEqual({ ...row, rolname: undefined }, { rolname: undefined, rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolreplication: false, rolbypassrls: false, rolcanlogin: true });
    assert.equal(attributes.length, 2);
    assert.deepEqual(await run('select count(*)::int as n from pg_class where relowner = (select oid from pg_roles where rolname = current_user)', roles.readWrite.name), [{ n: 0 }]);
  });

  it('the read-only role reads and cannot write; the read-write role reads and writes rows and cannot change the schema', async () => {
    const ro = roles.readOnly.name;
    const rw = roles.readWrite.name;
    assert.deepEqual(await run('select count(*)::int as n from customers', ro), [{ n: 5 }]);
    for (const sql of ['update customers set balance = 0 where id = 1', "insert into customers (name, email) values ('x', 'x@example.com')", 'delete from orders where id = 1', 'truncate orders'])
      assert.equal(await outcome(sql, ro), '42501', sql);
    assert.equal(await outcome('begin read write; update customers set balance = 0 where id = 1; commit', ro), '42501');
    assert.equal(await outcome('insert into orders (customer_id, total) values (1, 1.5)', rw), 'ok');
    assert.equal(await outcome('update customers set balance = balance where id = 1', rw), 'ok');
    assert.equal(await outcome('delete from orders where id = (select max(id) from orders)', rw), 'ok');
    for (const role of [ro, rw]) {
      for (const sql of [
        'drop table orders',
        'truncate orders',
        'create table extra (id int)',
        'create temp table scratch (id int)',
        'create function pg_temp.f() returns int language sql as $$ select 1 $$',
        'alter table customers add column x int',
      ])
        assert.equal(await outcome(sql, role), '42501', `${role}: ${sql}`);
    }
    assert.deepEqual(await run('select count(*)::int as n from orders'), [{ n: 40 }]);
  });

  it("takes away privileges granted beyond the demo's on the next start", async () => {
    await run(`GRANT UPDATE ON customers TO ${roles.readOnly.name}; GRANT CREATE ON SCHEMA public TO ${roles.readWrite.name}`);
    assert.equal(await outcome('update customers set balance = balance where id = 1', roles.readOnly.name), 'ok');
    await ensureShopRoles(repo, url.toString(), await rolePasswords(dataDir, roles), () => {}, roles);
    assert.equal(await outcome('update customers set balance = balance where id = 1', roles.readOnly.name), '42501');
    assert.equal(await outcome('create table extra (id int)', roles.readWrite.name), '42501');
  });

  it('refuses to go on with a demo role someone made privileged', async () => {
    await serverAdmin(`ALTER ROLE ${roles.readOnly.name} BYPASSRLS`);
    await assert.rejects(
      ensureShopRoles(repo, url.toString(), await rolePasswords(dataDir, roles), () => {}, roles),
      /exists with rolbypassrls/,
    );
    await serverAdmin(`ALTER ROLE ${roles.readOnly.name} NOBYPASSRLS`);
  });
});
