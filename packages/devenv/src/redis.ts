import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findExecutable } from './find-executable.js';
import type { LocalService, Log } from './local-service.js';
import { findFreePort, waitUntil } from './net.js';
import { pingRedis } from './redis-probe.js';
import { startServerProcess } from './server-process.js';
import { redactUrl } from './url.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const START_TIMEOUT_MS = 15_000;

export interface EnsureRedisOptions {
  /** The server to use when it answers; DEFAULT_REDIS_URL when absent. */
  url?: string;
  log: Log;
  /** False when the caller named the server explicitly (REDIS_URL set): no fallback then. */
  fallback?: boolean;
  /** Where to look for redis-server; process.env.PATH when absent. */
  searchPath?: string;
}

export const REDIS_INSTALL_HINT = 'install Redis (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`) or set REDIS_URL to a Redis that runs';

/**
 * A Redis to develop against: the one at `url` when it answers PING, otherwise a throwaway
 * redis-server from PATH on a free port that keeps nothing on disk.
 */
export async function ensureRedis(options: EnsureRedisOptions): Promise<LocalService> {
  const url = options.url ?? DEFAULT_REDIS_URL;
  const probe = await pingRedis(url);
  if (probe.up) return { url, source: 'existing', stop: async () => {} };
  if (options.fallback === false) {
    throw new Error(`Redis does not answer at ${redactUrl(url)} (${probe.reason}); start it, or unset REDIS_URL to start a local redis-server`);
  }
  const redisServer = await findExecutable('redis-server', options.searchPath ?? process.env.PATH ?? '');
  if (!redisServer) {
    throw new Error(`Redis does not answer at ${redactUrl(url)} (${probe.reason}) and redis-server is not on PATH: ${REDIS_INSTALL_HINT}`);
  }
  options.log(`Redis does not answer at ${redactUrl(url)} (${probe.reason}); starting ${redisServer}`);
  return spawnRedis(redisServer);
}

async function spawnRedis(redisServer: string): Promise<LocalService> {
  const port = await findFreePort();
  // Its working folder, in case something asks it to save anyway; removed on stop.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'jitgate-redis-'));
  const server = startServerProcess(redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'], { stopSignal: 'SIGTERM' });
  const url = `redis://127.0.0.1:${port}`;
  const cleanUp = async (): Promise<void> => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
  const up = await waitUntil(async () => server.hasExited() || (await pingRedis(url, 500)).up, START_TIMEOUT_MS);
  if (!up || server.hasExited()) {
    const how = server.hasExited() ? await server.exited : `did not answer within ${START_TIMEOUT_MS / 1000} s`;
    const output = server.recentOutput();
    await cleanUp();
    throw new Error(`redis-server on port ${port} ${how}:\n${output}`);
  }
  return { url, source: 'spawned', stop: cleanUp };
}
