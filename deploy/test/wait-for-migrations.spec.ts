// jitgate-wait-for-migrations (deploy/docker/wait-for-migrations.mjs), the gateway Deployments'
// init container, against the machine's real PostgreSQL: it lets the gateway start only once
// the database holds every migration of the image, and says what it waits for without ever
// printing the connection string.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyMigrations, createDatabaseIfMissing, dropDatabase, MIGRATIONS_DIR } from '@jitgate/db';
import { createTestDatabase, DEFAULT_TEST_DATABASE_URL } from '@jitgate/devenv';
import { afterAll, describe, expect, it } from 'vitest';
import { DEPLOY_DIR } from './render.js';

const SCRIPT = path.join(DEPLOY_DIR, 'docker/wait-for-migrations.mjs');
const MIGRATIONS = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);
/** Trust authentication never asks for it, so the password only shows whether the URL leaks. */
const PASSWORD = 'never-printed-7f3a';

interface Run {
  status: number | null;
  output: string;
}

interface Running {
  /** Resolves when the process exits. */
  done: Promise<Run>;
  /** Everything it printed so far. */
  output(): string;
}

function start(databaseUrl: string, args: string[] = []): Running {
  let output = '';
  const child = spawn(process.execPath, [SCRIPT, ...args], { env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const done = new Promise<Run>((resolve) => child.on('exit', (status) => resolve({ status, output })));
  return { done, output: () => output };
}

function withPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = PASSWORD;
  return parsed.toString();
}

function emptyDatabaseUrl(): string {
  const url = new URL(DEFAULT_TEST_DATABASE_URL);
  url.pathname = `/deploy_wait_${process.pid}_${Math.random().toString(16).slice(2, 10)}`;
  return url.toString();
}

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('jitgate-wait-for-migrations', () => {
  it('exits 0 at once when every migration of the image is applied', async () => {
    const database = await createTestDatabase('deploy wait ready');
    cleanups.push(() => database.drop());
    const run = await start(withPassword(database.url), ['--timeout', '20']).done;
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain(`all ${MIGRATIONS.length} migrations are applied`);
    expect(run.output).not.toContain(PASSWORD);
  });

  it('waits while the database has none, and goes on once jitgate-migrate has run', async () => {
    const url = emptyDatabaseUrl();
    await createDatabaseIfMissing(url);
    cleanups.push(() => dropDatabase(url));
    const waiting = start(withPassword(url), ['--timeout', '60', '--interval', '0.2']);
    await expect.poll(() => waiting.output(), { timeout: 10_000 }).toContain(`waiting for ${MIGRATIONS.length} of ${MIGRATIONS.length} migrations`);
    await applyMigrations(url);
    const run = await waiting.done;
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain(`all ${MIGRATIONS.length} migrations are applied`);
    expect(run.output).not.toContain(PASSWORD);
  });

  it('gives up after --timeout, naming the migration it still waits for', async () => {
    const database = await createTestDatabase('deploy wait newer');
    cleanups.push(() => database.drop());
    // An image one migration ahead of the database.
    const dir = mkdtempSync(path.join(tmpdir(), 'jitgate-migrations-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    mkdirSync(path.join(dir, '99991231000000_next'));
    writeFileSync(path.join(dir, '99991231000000_next/migration.sql'), 'SELECT 1;\n');
    const run = await start(withPassword(database.url), ['--timeout', '1', '--interval', '0.2', '--migrations-dir', dir]).done;
    expect(run.status, run.output).toBe(1);
    expect(run.output).toContain('waiting for 1 of');
    expect(run.output).toContain('99991231000000_next');
    expect(run.output).not.toContain(PASSWORD);
  });

  it('keeps trying while PostgreSQL does not answer, and says so without the URL', async () => {
    const run = await start(`postgresql://jitgate:${PASSWORD}@127.0.0.1:1/jitgate`, ['--timeout', '1', '--interval', '0.2']).done;
    expect(run.status, run.output).toBe(1);
    expect(run.output).toMatch(/cannot reach the database/);
    expect(run.output).not.toContain(PASSWORD);
  });

  it('refuses to run without DATABASE_URL', async () => {
    const run = await start('').done;
    expect(run.status).toBe(2);
    expect(run.output).toContain('DATABASE_URL is not set');
  });
});
