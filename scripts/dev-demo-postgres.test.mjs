// `node --test scripts/`: the Postgres demo's target and seed (scripts/dev-demo-postgres.mjs),
// the seed against the machine's PostgreSQL (TEST_DATABASE_URL, default postgres@127.0.0.1:5432)
// in a database of its own.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { seedShop, shopTarget } from './dev-demo-postgres.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pg = createRequire(path.join(repo, 'packages', 'db', 'package.json'))('pg');
const server = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

describe('shopTarget', () => {
  it('takes host, port, user and password from the URL dev uses, and names the demo database', () => {
    assert.deepEqual(shopTarget('postgresql://app:s%40cret@db.local:6543/jitgate?sslmode=require'), {
      host: 'db.local',
      port: 6543,
      user: 'app',
      password: 's@cret',
      sslmode: 'require',
      databaseUrl: 'postgresql://app:s%40cret@db.local:6543/jitgate_demo_shop?sslmode=require',
    });
  });

  it('falls back to postgres, port 5432, plaintext and a stand-in password on a trusting local server', () => {
    assert.deepEqual(shopTarget('postgresql://127.0.0.1/jitgate'), {
      host: '127.0.0.1',
      port: 5432,
      user: 'postgres',
      password: 'not-needed-with-trust',
      sslmode: 'disable',
      databaseUrl: 'postgresql://127.0.0.1/jitgate_demo_shop',
    });
    assert.equal(shopTarget('postgresql://postgres@[::1]:5433/jitgate?sslmode=prefer').host, '::1');
    assert.equal(shopTarget('postgresql://postgres@[::1]:5433/jitgate?sslmode=prefer').sslmode, 'disable');
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
    assert.deepEqual(await query("select email from customers where id = 2"), [{ email: 'alan@example.com' }]);
    assert.deepEqual(await query("select count(*)::int as n from customers where name = 'Added'"), [{ n: 1 }]);
    const [fresh] = await query("insert into orders (customer_id, total) values (1, 9.99) returning id");
    assert.equal(fresh.id, 41);
  });
});
