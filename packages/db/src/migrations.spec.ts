// Against the machine's PostgreSQL: the committed migrations apply, match schema.prisma, and a
// failing migration changes nothing.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, createDatabaseIfMissing, diffSchemaAgainstMigrations, dropDatabase } from './index.js';

const server = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const created: string[] = [];
function databaseUrl(prefix: string): string {
  const url = new URL(server);
  url.pathname = `/${prefix}_${randomBytes(4).toString('hex')}`;
  created.push(url.toString());
  return url.toString();
}
async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  await Promise.all(created.map((url) => dropDatabase(url)));
});

describe('migrations', () => {
  it('apply once, then report nothing to do', async () => {
    const url = databaseUrl('jgdb_apply');
    await createDatabaseIfMissing(url);
    const first = await applyMigrations(url);
    expect(first.length).toBeGreaterThan(0);
    expect(await applyMigrations(url)).toEqual([]);
    const tables = await query<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    expect(tables.map((t) => t.tablename)).toEqual(
      expect.arrayContaining(['identities', 'api_tokens', 'connections', 'policies', 'access_requests', 'approvals', 'grants', 'audit_events', '_prisma_migrations']),
    );
    const applied = await query<{ migration_name: string; finished_at: Date | null }>(url, 'SELECT migration_name, finished_at FROM _prisma_migrations');
    expect(applied.map((m) => m.migration_name)).toEqual(first);
    expect(applied.every((m) => m.finished_at !== null)).toBe(true);
  });

  it('keep audit_events append-only', async () => {
    const url = databaseUrl('jgdb_audit');
    await createDatabaseIfMissing(url);
    await applyMigrations(url);
    await query(url, "INSERT INTO audit_events (id, at, actor_kind, action, target_type, prev_hash, hash) VALUES (gen_random_uuid(), now(), 'system', 'x', 'y', 'p', 'h')");
    for (const statement of ["UPDATE audit_events SET action = 'z'", 'DELETE FROM audit_events', 'TRUNCATE audit_events']) {
      await expect(query(url, statement)).rejects.toThrow(/append-only/);
    }
  });

  it('match schema.prisma (a schema change without a migration fails here)', async () => {
    const sql = await diffSchemaAgainstMigrations(databaseUrl('jgdb_diff'));
    expect(sql.replace(/--.*$/gm, '').trim()).toBe('');
  });

  it('apply a failing migration all or nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'jitgate-migrations-'));
    await mkdir(path.join(dir, '20260101000000_half'));
    await writeFile(path.join(dir, '20260101000000_half', 'migration.sql'), 'CREATE TABLE first_half (id int);\n-- a comment; with a semicolon\nCREATE TABLE broken (id no_such_type);\n');
    const url = databaseUrl('jgdb_atomic');
    await createDatabaseIfMissing(url);
    try {
      await expect(applyMigrations(url, { migrationsDir: dir })).rejects.toThrow(/no_such_type/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const tables = await query<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = 'first_half'");
    expect(tables).toEqual([]);
  });
});
