#!/usr/bin/env node
// `jitgate-migrate`: applies the committed migrations to DATABASE_URL, creating the database
// first when asked to (`--create-database`). Production runs this before the gateway starts.
import { applyMigrations } from './migrations.js';
import { createDatabaseIfMissing } from './database-admin.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('jitgate-migrate: DATABASE_URL is not set');
  process.exit(2);
}
try {
  if (process.argv.includes('--create-database')) await createDatabaseIfMissing(databaseUrl);
  const applied = await applyMigrations(databaseUrl);
  console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database is up to date');
} catch (error) {
  console.error(`jitgate-migrate: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
