// Against the machine's PostgreSQL (TEST_DATABASE_URL), like every integration suite.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MIGRATIONS_DIR, loadMigrations } from '@jitgate/db';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DEFAULT_TEST_DATABASE_URL, ensureTemplate } from './test-database.js';
import { withDatabase } from './url.js';

const SERVER = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const databaseExists = (name: string): Promise<boolean> => withClient(withDatabase(SERVER, 'postgres'), async (c) => Boolean((await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount));

describe('createTestDatabase', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('gives each caller its own migrated database', async () => {
    const [a, b] = await Promise.all([createTestDatabase('devenv spec'), createTestDatabase('devenv spec')]);
    cleanups.push(a.drop, b.drop);
    expect(a.url).not.toBe(b.url);
    expect(new URL(a.url).pathname).toMatch(/^\/devenv_spec_[0-9a-f]{12}$/);

    const migrations = (await loadMigrations(MIGRATIONS_DIR)).migrationDirectories.map((d) => d.path);
    for (const db of [a, b]) {
      const applied = await withClient(db.url, async (c) =>
        (await c.query('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name')).rows.map((r: { migration_name: string }) => r.migration_name),
      );
      expect(applied).toEqual(migrations);
    }

    // The identities table comes from the first migration; a row in one database is not in the other.
    await withClient(a.url, (c) =>
      c.query(`INSERT INTO identities (id, issuer, subject, kind, display_name, updated_at)
               VALUES (gen_random_uuid(), 'spec', 'alice', 'human', 'Alice', now())`),
    );
    const count = (url: string): Promise<number> => withClient(url, async (c) => Number((await c.query('SELECT count(*) AS n FROM identities')).rows[0].n));
    expect(await count(a.url)).toBe(1);
    expect(await count(b.url)).toBe(0);
  });

  it('drop() removes the database', async () => {
    const db = await createTestDatabase('devenv_drop');
    const name = new URL(db.url).pathname.slice(1);
    expect(await databaseExists(name)).toBe(true);
    await db.drop();
    expect(await databaseExists(name)).toBe(false);
  });

  it('builds a template once when several builders race for it', async () => {
    // A copy of the migrations with one extra file hashes to a template nobody has built yet.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'jitgate-migrations-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    await writeFile(path.join(dir, 'race-marker.txt'), `${Date.now()} ${Math.random()}`);

    const names = await Promise.all([ensureTemplate(SERVER, dir), ensureTemplate(SERVER, dir), ensureTemplate(SERVER, dir)]);
    expect(new Set(names).size).toBe(1);
    const [name] = names;
    cleanups.push(() => withClient(withDatabase(SERVER, 'postgres'), (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)));
    expect(await databaseExists(`${name}_building`)).toBe(false);
    const db = await createTestDatabase('devenv_race', { migrationsDir: dir });
    cleanups.push(db.drop);
    const tables = await withClient(db.url, async (c) => Number((await c.query("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'")).rows[0].n));
    expect(tables).toBeGreaterThan(1);
  });
});
