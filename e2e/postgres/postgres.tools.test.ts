// Real tools through the gateway (issue 4): pgbench (initialisation with COPY, then 4 clients in
// the simple, extended and prepared protocols) finishes with no failed transaction, and an ORM
// migrates and queries: Prisma's own schema engine (packages/db, the WASM build) applies this
// repository's migrations (tables, enums, indexes, a PL/pgSQL trigger, `_prisma_migrations`) to
// the target through the gateway, then the Prisma client writes and reads through it.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, createPrismaClient } from '@jitgate/db';
import pg from 'pg';
import { PostgresStack, SHOP, suiteRole } from '../support/postgres-stack.js';
import { eventually } from '@jitgate/testkit';

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** An empty database for the ORM's migrations (Prisma refuses to baseline a non-empty schema). */
const ORM_DATABASE = `jitgate_e2e_orm_${process.pid}`;
const ORM = 'orm-db';
let pgs: PostgresStack;

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

beforeAll(async () => {
  await adminQuery(`DROP DATABASE IF EXISTS ${ORM_DATABASE}`);
  // The ORM migrates as the suite's own role (no superuser), which owns its database.
  pgs = await PostgresStack.start('pg_tools', {
    extraConnections: [{ name: ORM, settings: { host: '127.0.0.1', port: 5432, database: ORM_DATABASE, user: suiteRole('pg_tools'), sslmode: 'disable' }, credentialRef: 'env:SHOP_DB_PASSWORD' }],
    // The schema's migrations create functions and triggers and revoke privileges, which the
    // built-in baseline blocks: the policy relaxes it for this connection, by name.
    guardrails: [{ name: 'orm-migrations', match: { connection: { names: [ORM] } }, sql: { allow: ['create_function', 'trigger', 'grant'] } }],
  });
  await adminQuery(`CREATE DATABASE ${ORM_DATABASE} OWNER ${pgs.role}`);
  await pgs.stack.requestGrant(SHOP);
  await pgs.stack.requestGrant(ORM);
}, 120_000);

afterAll(async () => {
  // Before the stack drops its role, which owns this database.
  await adminQuery(`DROP DATABASE IF EXISTS ${ORM_DATABASE} WITH (FORCE)`);
  await pgs?.dispose();
});

/** A query straight to the ORM's database. */
async function ormDirect<R extends pg.QueryResultRow>(sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: ADMIN_URL.replace(/\/[^/]*$/, `/${ORM_DATABASE}`) });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

function pgbench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('pgbench', ['-h', '127.0.0.1', '-p', String(pgs.pgPort), '-U', 'alice', ...args, SHOP], {
      env: { ...process.env, PGPASSWORD: pgs.stack.alice.token, PGSSLMODE: 'disable', PGCONNECT_TIMEOUT: '10' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function sessionIds(): Promise<Set<string>> {
  return new Set((await pgs.sessions()).map((s) => s.id as string));
}

describe('pgbench', () => {
  it('pgbench -i -s 1 initialises the tables through the gateway (COPY of 100,000 rows)', async () => {
    const result = await pgbench(['-i', '-s', '1']);
    expect(result.stderr).toMatch(/done in/);
    expect(result.code).toBe(0);
    expect(await pgs.direct('SELECT count(*)::int AS n FROM pgbench_accounts')).toEqual([{ n: 100_000 }]);
  }, 60_000);

  it.each([
    ['simple', /^UPDATE pgbench_accounts SET abalance = abalance \+ -?\d+ WHERE aid = \d+;?$/, false],
    ['extended', /^UPDATE pgbench_accounts SET abalance = abalance \+ \$1 WHERE aid = \$2;$/, true],
    ['prepared', /^UPDATE pgbench_accounts SET abalance = abalance \+ \$1 WHERE aid = \$2;$/, true],
  ])(
    'pgbench -c 4 -j 2 -T 5 -M %s: no failed transaction, and the statements are recorded',
    async (mode, update, withParameters) => {
      const before = await sessionIds();
      const result = await pgbench(['-c', '4', '-j', '2', '-T', '5', '-M', mode]);
      expect(result.stderr).not.toMatch(/error|FATAL/i);
      expect(result.code).toBe(0);
      const processed = Number(/number of transactions actually processed: (\d+)/.exec(result.stdout)?.[1]);
      console.log(`pgbench -M ${mode}: ${processed} transactions, ${/tps = ([\d.]+)/.exec(result.stdout)?.[1]} tps`);
      expect(processed).toBeGreaterThan(0);
      expect(result.stdout).toMatch(/number of failed transactions: 0 \(0\.000%\)/);
      // Every transaction committed its history row in the target (pgbench empties the table first).
      expect(await pgs.direct('SELECT count(*)::int AS n FROM pgbench_history')).toEqual([{ n: processed }]);

      const fresh = await eventually(async () => {
        const ids = [...(await sessionIds())].filter((id) => !before.has(id));
        return ids.length >= 4 ? ids : null;
      });
      const events = await eventually(async () => {
        for (const id of fresh) {
          const list = await pgs.events(id);
          if (list.some((e) => e.kind === 'statement' && update.test(String(e.statement)))) return list;
        }
        return null;
      });
      const updates = events.filter((e) => e.kind === 'statement' && update.test(String(e.statement)));
      expect(updates[0]).toMatchObject({ commandTag: 'UPDATE 1', outcome: 'ok' });
      if (withParameters) expect(updates[0]!.parameters).toEqual([expect.stringMatching(/^-?\d+$/), expect.stringMatching(/^\d+$/)]);
      expect(events.some((e) => e.kind === 'statement' && /^INSERT INTO pgbench_history/.test(String(e.statement)) && e.outcome === 'ok')).toBe(true);
    },
    60_000,
  );
});

describe('an ORM: Prisma', () => {
  it("Prisma's schema engine applies the migrations through the gateway, then the Prisma client writes and reads", async () => {
    const url = `postgresql://alice:${encodeURIComponent(pgs.stack.alice.token)}@127.0.0.1:${pgs.pgPort}/${ORM}?sslmode=disable`;
    const applied = await applyMigrations(url);
    expect(applied.length).toBeGreaterThanOrEqual(3);
    const recorded = await ormDirect<{ migration_name: string; finished_at: Date | null }>('SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name');
    expect(recorded.map((r) => r.migration_name)).toEqual([...applied].sort());
    expect(recorded.every((r) => r.finished_at !== null)).toBe(true);
    // Applying again through the gateway finds nothing to do.
    expect(await applyMigrations(url)).toEqual([]);

    const prisma = createPrismaClient({ databaseUrl: url, poolSize: 2 });
    try {
      const created = await prisma.identity.create({ data: { issuer: 'orm-test', subject: 'carol', kind: 'human', displayName: 'Carol', groups: ['ops'], attributes: { team: 'db' } } });
      const found = await prisma.identity.findUnique({ where: { issuer_subject: { issuer: 'orm-test', subject: 'carol' } } });
      expect(found).toMatchObject({ id: created.id, displayName: 'Carol', groups: ['ops'], attributes: { team: 'db' } });
      await prisma.$transaction([prisma.identity.update({ where: { id: created.id }, data: { displayName: 'Carol D.' } }), prisma.identity.count()]);
    } finally {
      await prisma.$disconnect();
    }
    expect(await ormDirect("SELECT display_name FROM identities WHERE issuer = 'orm-test'")).toEqual([{ display_name: 'Carol D.' }]);

    // The migration's DDL is in the recording, statement by statement.
    const events = await eventually(async () => {
      for (const session of await pgs.sessions({ connection: ORM })) {
        const list = await pgs.events(session.id);
        if (list.some((e) => e.kind === 'statement' && /CREATE TABLE "identities"/.test(String(e.statement)))) return list;
      }
      return null;
    });
    expect(events.find((e) => /CREATE TABLE "identities"/.test(String(e.statement)))).toMatchObject({ commandTag: 'CREATE TABLE', outcome: 'ok' });
  }, 120_000);
});
