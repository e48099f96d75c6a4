// A throwaway PostgreSQL 15 cluster for integration tests (exported as @jitgate/pgwire/testing).
// initdb refuses to run as root, so as root every server binary runs as the `postgres` user via
// runuser, with the temporary directory handed to that user. The cluster listens on 127.0.0.1
// on a free port and on a Unix socket in its own directory; `stop()` removes everything.
import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian puts PostgreSQL 15 (see /work/shared/ENVIRONMENT.md). */
export const PG_BIN = process.env.JITGATE_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** pg_hba methods the test cluster can assign to a role. */
export type TestAuthMethod = 'scram-sha-256' | 'md5' | 'password' | 'trust';

/** A login role created in the test cluster. */
export interface TestRole {
  name: string;
  password: string;
  /** pg_hba method for TCP logins of this role. md5 roles get an MD5-hashed password. */
  method: TestAuthMethod;
}

/** A running test cluster; call stop() in afterAll. */
export interface TestCluster {
  host: string;
  port: number;
  socketDir: string;
  /** Runs SQL as the superuser `postgres` over the Unix socket (trust). */
  psql(sql: string, database?: string): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Starts a cluster with the given roles; every other TCP login is rejected. */
export async function startTestCluster(roles: TestRole[]): Promise<TestCluster> {
  const asRoot = userInfo().uid === 0;
  const dir = await mkdtemp(join(tmpdir(), 'jitgate-pg-'));
  const data = join(dir, 'data');
  const exec = async (bin: string, args: string[]): Promise<string> => {
    const file = join(PG_BIN, bin);
    const { stdout } = asRoot ? await run('runuser', ['-u', 'postgres', '--', file, ...args]) : await run(file, args);
    return stdout;
  };
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const port = await freePort();
  let started = false;
  try {
    await exec('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const hba = ['local all postgres trust', ...roles.map((r) => `host all ${quoteIdent(r.name)} 127.0.0.1/32 ${r.method}`), 'host all all 127.0.0.1/32 reject', ''];
    await writeFile(join(data, 'pg_hba.conf'), hba.join('\n'));
    await appendFile(join(data, 'postgresql.conf'), '\nfsync = off\nlog_min_messages = warning\n');
    await exec('pg_ctl', ['start', '-w', '-D', data, '-l', join(dir, 'server.log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`]);
    started = true;
    const psql = async (sql: string, database = 'postgres'): Promise<string> => {
      const { stdout } = await run(join(PG_BIN, 'psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', String(port), '-U', 'postgres', '-d', database, '-c', sql]);
      return stdout.trim();
    };
    for (const r of roles) {
      const enc = r.method === 'md5' ? 'md5' : 'scram-sha-256';
      await psql(`SET password_encryption = '${enc}'; CREATE ROLE ${quoteIdent(r.name)} LOGIN PASSWORD ${quoteLiteral(r.password)}`);
    }
    return {
      host: '127.0.0.1',
      port,
      socketDir: dir,
      psql,
      stop: async () => {
        await exec('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (started) await exec('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
