#!/usr/bin/env node
// `pnpm dev` (after turbo has built the gateway): finds or starts PostgreSQL and Redis, creates
// and migrates the database, runs the gateway and tells the developer how to
// call it. Ctrl-C stops the gateway first, then whatever this script started.
//
// Environment (read here and nowhere else in this script):
//   DATABASE_URL  use this PostgreSQL and nothing else (no embedded fallback when it is set)
//   REDIS_URL     use this Redis and nothing else (no redis-server fallback when it is set)
//   PORT          the gateway's HTTP port, default 8080
//   NODE_ENV      passed to the gateway, default "development"
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GATEWAY_MAIN = path.join(repo, 'apps', 'gateway', 'dist', 'main.js');
const GATEWAY_STOP_TIMEOUT_MS = 10_000;
const READY_HINT_AFTER_MS = 30_000;

const log = (line) => console.log(`[dev] ${line}`);
const warn = (line) => console.error(`[dev] ${line}`);

const config = readConfig(process.env);

if (!existsSync(GATEWAY_MAIN)) {
  warn(`${path.relative(repo, GATEWAY_MAIN)} is missing: run \`pnpm build\` first`);
  process.exit(1);
}
if (await somethingListens(config.port)) {
  warn(`port ${config.port} is already in use (another gateway?): stop it or set PORT`);
  process.exit(1);
}
buildDevenv();
// The root package has no workspace dependencies (pnpm links them only into the packages that
// declare them), so the built packages are imported by path.
const devenv = await import(pathToFileURL(path.join(repo, 'packages', 'devenv', 'dist', 'index.js')).href);
const db = await import(pathToFileURL(path.join(repo, 'packages', 'db', 'dist', 'index.js')).href);

/** Services this script started, stopped in reverse order on the way out. */
const started = [];
let gateway;
let gatewayExit;
let stopping = false;

process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('SIGHUP', () => onSignal('SIGHUP'));
// Output piped into something that a Ctrl-C also ended (`pnpm dev | tee`): losing our last lines
// must not crash us half-way through stopping what we started.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});
// Should this script die anyway, the gateway (in its own process group) must not outlive it.
process.on('exit', () => {
  if (gateway && gateway.exitCode === null && gateway.signalCode === null) gateway.kill('SIGTERM');
});

try {
  const postgres = await devenv.ensurePostgres({
    url: config.databaseUrl,
    dataDir: path.join(repo, '.data', 'postgres'),
    log,
    fallback: config.databaseUrl === undefined,
  });
  if (postgres.source !== 'existing') started.push({ name: 'the embedded PostgreSQL', service: postgres });
  const redis = await devenv.ensureRedis({ url: config.redisUrl, log, fallback: config.redisUrl === undefined });
  if (redis.source !== 'existing') started.push({ name: 'redis-server', service: redis });

  if (await db.createDatabaseIfMissing(postgres.url)) log(`created database ${new URL(postgres.url).pathname.slice(1)}`);
  const applied = await db.applyMigrations(postgres.url);
  log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database schema is up to date');

  startGateway(postgres.url, redis.url);
  if (await waitForReady()) printBanner(postgres, redis);
} catch (error) {
  if (!stopping) {
    warn(error instanceof Error ? error.message : String(error));
    await shutdown(1);
  }
}

function readConfig(env) {
  const port = env.PORT || '8080';
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    warn(`PORT must be a TCP port number, got ${JSON.stringify(port)}`);
    process.exit(1);
  }
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    port: Number(port),
    nodeEnv: env.NODE_ENV || 'development',
  };
}

/**
 * `pnpm dev` builds only the gateway and what it depends on; devenv is a tool of this script, so
 * build it here. turbo's cache makes this a no-op when nothing changed; its output is shown only
 * when the build fails.
 */
function buildDevenv() {
  const turbo = path.join(repo, 'node_modules', '.bin', 'turbo');
  if (!existsSync(turbo)) {
    warn('turbo is not installed: run `pnpm install` first');
    process.exit(1);
  }
  const result = spawnSync(turbo, ['run', 'build', '--filter=@jitgate/devenv', '--output-logs=errors-only'], {
    cwd: repo,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    warn('building @jitgate/devenv failed: run `pnpm build` to see why');
    process.exit(1);
  }
}

function somethingListens(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    function finish(answer) {
      socket.destroy();
      resolve(answer);
    }
  });
}

function startGateway(databaseUrl, redisUrl) {
  log(`starting the gateway on port ${config.port}`);
  gateway = spawn(process.execPath, [GATEWAY_MAIN], {
    cwd: repo,
    stdio: 'inherit',
    // Its own process group: a Ctrl-C reaches only this script, which then stops the gateway
    // with one SIGTERM and the databases after it, instead of everything at once.
    detached: true,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      PORT: String(config.port),
      NODE_ENV: config.nodeEnv,
      // Local development on loopback: agents dial the tunnel without TLS. Production sets
      // JITGATE_TUNNEL_TLS_CERT/KEY instead (docs/tunnel.md).
      JITGATE_TUNNEL_INSECURE: process.env.JITGATE_TUNNEL_INSECURE ?? 'true',
    },
  });
  gatewayExit = new Promise((resolve) => {
    gateway.once('error', (error) => resolve(`could not start: ${error.message}`));
    gateway.once('exit', (code, signal) => resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`));
  });
  void gatewayExit.then(async (how) => {
    if (stopping) return;
    warn(`the gateway ${how}`);
    await shutdown(gateway.exitCode || 1);
  });
}

/** Polls /readyz until it answers 200; false when the gateway exited or we are stopping. */
async function waitForReady() {
  const url = `http://127.0.0.1:${config.port}/readyz`;
  const since = Date.now();
  let hinted = false;
  while (!stopping && gateway.exitCode === null && gateway.signalCode === null) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return true;
    } catch {
      // not listening yet
    }
    if (!hinted && Date.now() - since > READY_HINT_AFTER_MS) {
      hinted = true;
      warn(`still waiting for ${url} to answer 200 (it needs PostgreSQL and Redis); the gateway's log above should say why`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

function printBanner(postgres, redis) {
  const api = `http://localhost:${config.port}`;
  const where = (service, what) => `${devenv.redactUrl(service.url)}${service.source === 'existing' ? '' : ` (${what}, stopped on Ctrl-C)`}`;
  const lines = [
    '',
    '  jitgate gateway is ready',
    '',
    `  API        ${api}`,
    `  OpenAPI    ${api}/openapi.json`,
    `  Postgres   ${where(postgres, `embedded, data in ${path.join('.data', 'postgres')}`)}`,
    `  Redis      ${where(redis, 'temporary redis-server')}`,
    '',
    '  On its first start against an empty database the gateway printed a bootstrap admin',
    '  token above (only then). Export it as JITGATE_TOKEN and call the API:',
    '',
    `    curl -H "Authorization: Bearer $JITGATE_TOKEN" ${api}/v1/identities/me`,
    '',
    '  Ctrl-C stops everything.',
    '',
  ];
  console.log(lines.join('\n'));
}

function onSignal(signal) {
  if (!stopping) {
    log(`${signal}: stopping`);
    void shutdown(0);
  } else if (gateway && gateway.exitCode === null && gateway.signalCode === null) {
    // A second Ctrl-C: the developer does not want to wait for a graceful stop.
    warn('stopping the gateway now (SIGKILL)');
    gateway.kill('SIGKILL');
  }
}

async function shutdown(code) {
  stopping = true;
  if (gateway && gateway.exitCode === null && gateway.signalCode === null) {
    gateway.kill('SIGTERM');
    const timer = setTimeout(() => {
      warn(`the gateway did not stop within ${GATEWAY_STOP_TIMEOUT_MS / 1000} s: killing it`);
      gateway.kill('SIGKILL');
    }, GATEWAY_STOP_TIMEOUT_MS);
    await gatewayExit;
    clearTimeout(timer);
  }
  for (const { name, service } of started.reverse()) {
    log(`stopping ${name}`);
    await service.stop().catch((error) => warn(`could not stop ${name}: ${error instanceof Error ? error.message : String(error)}`));
  }
  process.exit(code);
}
