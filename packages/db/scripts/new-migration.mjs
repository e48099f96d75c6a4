// `pnpm --filter @jitgate/db migration:new <name>`: writes prisma/migrations/<timestamp>_<name>/
// with the SQL that takes the committed migrations to the current schema.prisma. Needs a
// Postgres where it may create and drop a scratch database (SCRATCH_DATABASE_URL).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { diffSchemaAgainstMigrations, MIGRATIONS_DIR } from '../dist/index.js';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: migration:new <name>   (lower case letters, digits and underscores)');
  process.exit(2);
}
const url = process.env.SCRATCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/jitgate_migration_scratch';
const sql = (await diffSchemaAgainstMigrations(url)).trim();
if (!sql || sql === '-- This is an empty migration.') {
  console.log('schema.prisma matches the committed migrations: nothing to write');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, 'migration.sql'), `${sql}\n`);
console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
