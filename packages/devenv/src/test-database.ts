// A fresh, migrated database per test suite on the machine's PostgreSQL, so suites never share
// state (see ../shared/ENVIRONMENT.md). Migrating takes seconds through the WASM schema engine,
// so we migrate one template database per set of migrations and clone it with
// CREATE DATABASE … TEMPLATE, which takes milliseconds.
import { randomBytes } from 'node:crypto';
import { applyMigrations, createDatabaseIfMissing, dropDatabase, MIGRATIONS_DIR } from '@jitgate/db';
import pg from 'pg';
import { hashDirectory } from './migrations-hash.js';
import { describeError, waitUntil } from './net.js';
import { redactUrl, withDatabase } from './url.js';

export const DEFAULT_TEST_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432';

/**
 * Held while a template is built, on the server's `postgres` database. Every jitgate checkout
 * and test process on the server shares it, which is the point: one builder at a time. The
 * session that holds it ending (even by a crash) releases it.
 */
const TEMPLATE_LOCK_KEY = 4_711_202_611;
/** SQLSTATE object_in_use: a backend of the source database has not gone away yet. */
const OBJECT_IN_USE = '55006';

export interface TestDatabase {
  url: string;
  /** Drops the database, disconnecting whoever still uses it. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** The server; TEST_DATABASE_URL, else DEFAULT_TEST_DATABASE_URL. Its database part is ignored. */
  baseUrl?: string;
  /** The migrations to apply; the repository's prisma/migrations when absent. */
  migrationsDir?: string;
}

/** The only place this package reads the environment. */
function testServerUrl(options: TestDatabaseOptions): string {
  return options.baseUrl ?? process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
}

/** A new database named `<prefix>_<random>`, with every migration applied. */
export async function createTestDatabase(prefix: string, options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const baseUrl = testServerUrl(options);
  const template = await templateFor(baseUrl, options.migrationsDir ?? MIGRATIONS_DIR);
  const url = withDatabase(baseUrl, databaseName(prefix));
  await whileInUse(() => createDatabaseIfMissing(url, template));
  return { url, drop: () => dropDatabase(url) };
}

function databaseName(prefix: string): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 40) || 'test';
  // 63 bytes is PostgreSQL's limit; 40 + 1 + 12 stays well under it.
  return `${clean}_${randomBytes(6).toString('hex')}`;
}

/** Once per process and set of migrations: later suites in the same run reuse the promise. */
const templates = new Map<string, Promise<string>>();

function templateFor(baseUrl: string, migrationsDir: string): Promise<string> {
  const key = `${baseUrl}\n${migrationsDir}`;
  let pending = templates.get(key);
  if (!pending) {
    pending = ensureTemplate(baseUrl, migrationsDir);
    // A failed build is not cached: the next suite tries again and reports its own error.
    pending.catch(() => templates.delete(key));
    templates.set(key, pending);
  }
  return pending;
}

/**
 * Builds `jitgate_template_<hash of the migrations>` unless it exists, holding an advisory lock
 * so that concurrent processes build it once. It is migrated under another name and renamed when
 * complete, so a build that dies half-way never leaves a template that looks finished.
 */
export async function ensureTemplate(baseUrl: string, migrationsDir: string): Promise<string> {
  const name = `jitgate_template_${(await hashDirectory(migrationsDir)).slice(0, 16)}`;
  const building = `${name}_building`;
  const admin = new pg.Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  try {
    await admin.connect();
  } catch (error) {
    await admin.end().catch(() => {});
    throw new Error(`no PostgreSQL for test databases at ${redactUrl(baseUrl)} (${describeError(error)}): start it or set TEST_DATABASE_URL`);
  }
  try {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return name;
    // Left by a build that died: nobody else builds while we hold the lock.
    await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${building}"`);
    try {
      await applyMigrations(withDatabase(baseUrl, building), { migrationsDir });
      await whileInUse(() => admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`));
    } catch (error) {
      await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`).catch(() => {});
      throw error;
    }
    return name;
  } finally {
    await admin.end(); // ends the session, which releases the advisory lock
  }
}

/**
 * Retries `action` while PostgreSQL says a backend still uses the source database: the schema
 * engine's connections close a moment after its pool reports them closed.
 */
async function whileInUse<T>(action: () => Promise<T>): Promise<T> {
  let result: { value: T } | undefined;
  let lastError: unknown;
  await waitUntil(
    async () => {
      try {
        result = { value: await action() };
        return true;
      } catch (error) {
        if ((error as { code?: unknown }).code !== OBJECT_IN_USE) throw error;
        lastError = error;
        return false;
      }
    },
    10_000,
    50,
  );
  if (result) return result.value;
  throw lastError;
}
