// Applies prisma/migrations/*/migration.sql with Prisma's own engine, so the `_prisma_migrations`
// table stays compatible with `prisma migrate deploy` wherever the native engine is available.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSchemaEngine } from './schema-engine.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** `prisma/` at the repository root; resolved from dist/ and from src/ alike. */
export const PRISMA_DIR = path.resolve(here, '../../../prisma');
export const MIGRATIONS_DIR = path.join(PRISMA_DIR, 'migrations');
export const SCHEMA_PATH = path.join(PRISMA_DIR, 'schema.prisma');

const NO_FILTERS = { externalTables: [], externalEnums: [] };

export interface MigrationList {
  baseDir: string;
  lockfile: { path: string; content: string | null };
  shadowDbInitScript: string;
  migrationDirectories: Array<{
    path: string;
    migrationFile: { path: string; content: { tag: 'ok'; value: string } | { tag: 'error'; value: string } };
  }>;
}

export async function loadMigrations(baseDir = MIGRATIONS_DIR): Promise<MigrationList> {
  const entries = await readdir(baseDir, { withFileTypes: true });
  const dirs = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const lockPath = path.join(baseDir, 'migration_lock.toml');
  const lockContent = await readFile(lockPath, 'utf8').catch(() => null);
  return {
    baseDir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      dirs.map(async (dir) => ({
        path: dir,
        migrationFile: {
          path: 'migration.sql',
          content: { tag: 'ok' as const, value: await readFile(path.join(baseDir, dir, 'migration.sql'), 'utf8') },
        },
      })),
    ),
  };
}

/** Applies every migration not yet applied; returns the names it applied. */
export async function applyMigrations(databaseUrl: string, options: { migrationsDir?: string; log?: (line: string) => void } = {}): Promise<string[]> {
  const schema = await readFile(SCHEMA_PATH, 'utf8');
  const handle = await openSchemaEngine(databaseUrl, [[SCHEMA_PATH, schema]], options.log);
  try {
    const migrationsList = await loadMigrations(options.migrationsDir);
    const result = await handle.engine.applyMigrations({ migrationsList, filters: NO_FILTERS } as never);
    return result.appliedMigrationNames;
  } finally {
    await handle.close();
  }
}

/**
 * The SQL that takes the committed migrations to the current schema.prisma. Used by
 * `pnpm --filter @jitgate/db migration:new <name>`. `scratchUrl` names a database this function
 * may drop and recreate: the migrations are applied there, then the engine diffs it against the
 * schema. The audit triggers' PL/pgSQL function is dropped from the scratch copy first, because
 * the WASM engine cannot read the `"char"` columns of pg_proc that describing it needs (and the
 * function is hand-written SQL that schema.prisma does not model anyway).
 */
export async function diffSchemaAgainstMigrations(scratchUrl: string): Promise<string> {
  const { dropDatabase, createDatabaseIfMissing } = await import('./database-admin.js');
  await dropDatabase(scratchUrl);
  await createDatabaseIfMissing(scratchUrl);
  await applyMigrations(scratchUrl);
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: scratchUrl });
  await client.connect();
  await client.query('DROP FUNCTION IF EXISTS "audit_events_append_only"() CASCADE');
  await client.end();

  const schema = await readFile(SCHEMA_PATH, 'utf8');
  const handle = await openSchemaEngine(scratchUrl, [[SCHEMA_PATH, schema]]);
  try {
    const result = await handle.engine.diff({
      from: { tag: 'schemaDatasource', files: [{ path: SCHEMA_PATH, content: schema }], configDir: PRISMA_DIR },
      to: { tag: 'schemaDatamodel', files: [{ path: SCHEMA_PATH, content: schema }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    } as never);
    return (result as unknown as { stdout?: string | null }).stdout ?? '';
  } finally {
    await handle.close();
    await dropDatabase(scratchUrl);
  }
}
