// Real processes: the machine's PostgreSQL for the "answers" case, the embedded PostgreSQL 18
// for the fallback (initdb runs once per test run, in a temporary folder).
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from './net.js';
import { ensurePostgres } from './postgres.js';
import { probePostgres } from './postgres-probe.js';
import { withDatabase } from './url.js';

const MACHINE_POSTGRES = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const noLog = (): void => {};

async function query(url: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

describe('ensurePostgres', () => {
  let parent: string;
  beforeAll(async () => {
    parent = await mkdtemp(path.join(os.tmpdir(), 'jitgate-devenv-'));
    // Run as root, the cluster belongs to the `postgres` user, which must be able to enter here.
    await chmod(parent, 0o755);
  });
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('uses the server at the URL when it answers, even before its database exists', async () => {
    const url = withDatabase(MACHINE_POSTGRES, 'jitgate_devenv_not_created');
    const service = await ensurePostgres({ url, dataDir: path.join(parent, 'unused'), log: noLog });
    expect(service).toMatchObject({ url, source: 'existing' });
    await service.stop(); // leaves the machine's server alone
    expect((await probePostgres(withDatabase(MACHINE_POSTGRES, 'postgres'))).up).toBe(true);
  });

  it('fails with the URL in the message when fallback is off and nothing answers', async () => {
    const url = `postgresql://postgres@127.0.0.1:${await findFreePort()}/jitgate`;
    await expect(ensurePostgres({ url, dataDir: path.join(parent, 'unused'), log: noLog, fallback: false })).rejects.toThrow(/does not answer at postgresql:\/\/postgres@127\.0\.0\.1:\d+\/jitgate/);
  });

  it('starts the embedded PostgreSQL 18 when the URL does not answer, and keeps its data across restarts', async () => {
    const closedPort = await findFreePort();
    const dataDir = path.join(parent, 'postgres');
    const lines: string[] = [];
    const started = Date.now();
    const first = await ensurePostgres({ url: `postgresql://postgres@127.0.0.1:${closedPort}/devenv_spec`, dataDir, log: (l) => lines.push(l) });
    console.info(`embedded PostgreSQL: initdb + first start took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    try {
      expect(first.source).toBe('embedded');
      const url = new URL(first.url);
      expect(url.pathname).toBe('/devenv_spec');
      expect(Number(url.port)).not.toBe(closedPort);
      const admin = withDatabase(first.url, 'postgres');
      const [row] = await query(admin, 'SHOW server_version');
      expect(String(row?.server_version)).toMatch(/^18\./);
      await query(admin, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
      expect(lines.join('\n')).toMatch(/initialised the embedded PostgreSQL/);
    } finally {
      await first.stop();
    }
    expect((await probePostgres(withDatabase(first.url, 'postgres'))).up).toBe(false);

    const again = Date.now();
    const second = await ensurePostgres({ url: `postgresql://postgres@127.0.0.1:${closedPort}/devenv_spec`, dataDir, log: noLog });
    console.info(`embedded PostgreSQL: restart on an initialised data dir took ${((Date.now() - again) / 1000).toFixed(1)} s`);
    try {
      const rows = await query(withDatabase(second.url, 'postgres'), 'SELECT n FROM kept');
      expect(rows).toEqual([{ n: 42 }]);
    } finally {
      await second.stop();
    }
  });
});
