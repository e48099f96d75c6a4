#!/usr/bin/env node
// `jitgate-wait-for-migrations`: exits 0 once the database at DATABASE_URL records every migration
// this image ships (prisma/migrations/*) as applied. The gateway Deployments run it as an init
// container, so that no gateway starts on a schema older than its code while the migration Job
// (jitgate-migrate) runs. It only reads `_prisma_migrations`; it never migrates.
//
//   jitgate-wait-for-migrations [--timeout <seconds>] [--interval <seconds>] [--migrations-dir <dir>]
//
// Exit codes: 0 applied, 1 still missing after --timeout (default 600 s; Kubernetes then
// restarts the init container), 2 bad usage. Lives beside @jitgate/db in the image
// (/app/packages/db), which is where `pg` resolves from; prisma/ is two levels up there, as it is
// from deploy/docker/ in the repository (deploy/test/wait-for-migrations.spec.ts).
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const here = path.dirname(fileURLToPath(import.meta.url));
const name = 'jitgate-wait-for-migrations';
/** PostgreSQL's undefined_table: nothing has migrated this database yet. */
const UNDEFINED_TABLE = '42P01';

function usage(message) {
  console.error(`${name}: ${message}`);
  process.exit(2);
}

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      timeout: { type: 'string', default: '600' },
      interval: { type: 'string', default: '2' },
      'migrations-dir': { type: 'string', default: path.resolve(here, '../../prisma/migrations') },
    },
  }));
} catch (error) {
  usage(error.message);
}
const timeoutMs = Number(options.timeout) * 1000;
const intervalMs = Number(options.interval) * 1000;
if (!(timeoutMs > 0) || !(intervalMs > 0)) usage('--timeout and --interval are positive numbers of seconds');
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) usage('DATABASE_URL is not set');

const wanted = (await readdir(options['migrations-dir'], { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** The migrations Prisma's engine finished and did not roll back; none when the table is missing. */
async function appliedMigrations() {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  // An error event on an idle client would otherwise end the process.
  client.on('error', () => {});
  try {
    await client.connect();
    const result = await client.query('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL');
    return new Set(result.rows.map((row) => row.migration_name));
  } catch (error) {
    if (error?.code === UNDEFINED_TABLE) return new Set();
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}

const deadline = Date.now() + timeoutMs;
let lastLine = '';
const say = (line) => {
  // Once per change, not once per poll.
  if (line !== lastLine) console.log(`${name}: ${line}`);
  lastLine = line;
};
for (;;) {
  let line;
  try {
    const applied = await appliedMigrations();
    const missing = wanted.filter((migration) => !applied.has(migration));
    if (missing.length === 0) {
      say(`all ${wanted.length} migrations are applied`);
      process.exit(0);
    }
    line = `waiting for ${missing.length} of ${wanted.length} migrations (jitgate-migrate): ${missing.join(', ')}`;
  } catch (error) {
    // The message, never the URL: it holds the password. pg's messages do not include it.
    line = `cannot reach the database yet (${error?.code ?? 'error'}: ${error?.message ?? String(error)})`;
  }
  say(line);
  if (Date.now() + intervalMs > deadline) {
    console.error(`${name}: gave up after ${options.timeout}s; ${line}`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
}
