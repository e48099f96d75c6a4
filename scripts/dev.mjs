#!/usr/bin/env node
// `pnpm dev` (after turbo has built the gateway, the agent and the CLI): finds or starts
// PostgreSQL and Redis, creates and migrates the database, runs the gateway, sets up the demos of
// the data path (dev-demo.mjs) and of Postgres through the gateway (dev-demo-postgres.mjs) through
// the REST API and runs a local agent for them, then tells the developer what to try. Ctrl-C
// stops the agent, then the gateway, then whatever this script started.
//
// Settings: dev-config.mjs (the only reader of the environment here).
// Everything else in the environment is passed to the gateway as it is.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startAgent, waitForAgent } from './dev-agent.mjs';
import { formatBanner } from './dev-banner.mjs';
import { adminTokenProblem, resolveAdminToken } from './dev-admin.mjs';
import { DEMO_CONNECTION, devApi, ensureDemo } from './dev-demo.mjs';
import { ensureShopDemo } from './dev-demo-postgres.mjs';
import { ensureMcpDemo, startDemoMcpServer } from './dev-demo-mcp.mjs';
import { readDevConfig } from './dev-config.mjs';
import { buildDevenv, running, somethingListens, stopChild } from './dev-process.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GATEWAY_MAIN = path.join(repo, 'apps', 'gateway', 'dist', 'main.js');
const AGENT_MAIN = path.join(repo, 'apps', 'agent', 'dist', 'main.js');
const CLI_MAIN = path.join(repo, 'apps', 'cli', 'dist', 'main.js');
const DATA_DIR = path.join(repo, '.data');
const SECRET_FILES = {
  admin: path.join(DATA_DIR, 'dev-admin-token'),
  approver: path.join(DATA_DIR, 'dev-approver-token'),
  agent: path.join(DATA_DIR, 'dev-agent-token'),
};
/** A path as the developer would type it from the repository root. */
const shown = (file) => path.relative(repo, file);
const GATEWAY_STOP_TIMEOUT_MS = 10_000;
/** The agent's own drain limit (JITGATE_AGENT_SHUTDOWN_TIMEOUT, 10 s) and a little more. */
const AGENT_STOP_TIMEOUT_MS = 12_000;
const AGENT_CONNECT_TIMEOUT_MS = 20_000;
const READY_HINT_AFTER_MS = 30_000;

const log = (line) => console.log(`[dev] ${line}`);
const warn = (line) => console.error(`[dev] ${line}`);

const config = readDevConfig(process.env, warn);

for (const main of [GATEWAY_MAIN, AGENT_MAIN, CLI_MAIN]) {
  if (!existsSync(main)) {
    warn(`${path.relative(repo, main)} is missing: run \`pnpm build\` first`);
    process.exit(1);
  }
}
for (const [port, setting] of [
  [config.port, 'PORT'],
  [config.tunnelPort, 'JITGATE_TUNNEL_PORT'],
  [config.tcpPort, 'JITGATE_TCP_PORT'],
  [config.pgPort, 'JITGATE_PG_PORT'],
  [config.httpPort, 'JITGATE_HTTP_PORT'],
]) {
  if (await somethingListens(port)) {
    warn(`port ${port} is already in use (another gateway?): stop it or set ${setting}`);
    process.exit(1);
  }
}
buildDevenv(repo, warn);
// The root package has no workspace dependencies (pnpm links them only into the packages that
// declare them), so the built packages are imported by path.
const devenv = await import(pathToFileURL(path.join(repo, 'packages', 'devenv', 'dist', 'index.js')).href);
const db = await import(pathToFileURL(path.join(repo, 'packages', 'db', 'dist', 'index.js')).href);

/** Services this script started, stopped in reverse order on the way out. */
const started = [];
let gateway;
let gatewayExit;
let agent;
let agentExit;
let mcpServer;
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
  for (const child of [agent, gateway]) if (running(child)) child.kill('SIGTERM');
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

  const admin = await resolveAdminToken({ fromEnvironment: config.bootstrapToken, file: SECRET_FILES.admin, shown: shown(SECRET_FILES.admin), warn });
  startGateway(postgres.url, redis.url, admin.token);
  if (await waitForReady()) {
    const demo = await setUpDataPath(admin, postgres.url);
    printBanner(postgres, redis, admin, demo);
  }
} catch (error) {
  if (!stopping) {
    warn(error instanceof Error ? error.message : String(error));
    await shutdown(1);
  }
}

function startGateway(databaseUrl, redisUrl, bootstrapToken) {
  log(`starting the gateway on port ${config.port} (tunnel ${config.tunnelPort}, clients ${config.tcpPort}, Postgres clients ${config.pgPort}, HTTP clients ${config.httpPort})`);
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
      JITGATE_TUNNEL_PORT: String(config.tunnelPort),
      JITGATE_TCP_PORT: String(config.tcpPort),
      JITGATE_PG_PORT: String(config.pgPort),
      JITGATE_HTTP_PORT: String(config.httpPort),
      NODE_ENV: config.nodeEnv,
      // Used only when the database has no identity yet (scripts/dev-admin.mjs).
      JITGATE_BOOTSTRAP_TOKEN: bootstrapToken,
      // Local development on loopback: agents dial the tunnel without TLS. Production sets
      // JITGATE_TUNNEL_TLS_CERT/KEY instead (docs/tunnel.md).
      JITGATE_TUNNEL_INSECURE: config.tunnelInsecure ? 'true' : 'false',
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

/**
 * The demos of README "Through the data path" and "Postgres through the gateway": checks the
 * admin token, creates what is missing through the API, starts the agent and waits until its
 * tunnel is up. Returns what the banner shows, or undefined when the demo was skipped (the
 * gateway keeps running either way). `postgresUrl` is the URL of dev's own database: the demo
 * database goes on the same server.
 */
async function setUpDataPath(admin, postgresUrl) {
  const apiUrl = `http://127.0.0.1:${config.port}`;
  const call = devApi(apiUrl, admin.token);
  let problem;
  try {
    problem = await adminTokenProblem({ call, admin, file: SECRET_FILES.admin, shown: shown(SECRET_FILES.admin) });
  } catch (error) {
    warn(`could not check the dev admin token: ${error instanceof Error ? error.message : String(error)}; the gateway keeps running without the local agent`);
    return undefined;
  }
  if (problem) {
    warn(`${problem}: skipping the local agent and the demo.`);
    warn(`To get them, put an admin's token (jg_…) in ${shown(SECRET_FILES.admin)} (mode 0600) and restart, or start against an empty database.`);
    return undefined;
  }
  admin.verified = true;
  if (!config.tunnelInsecure) {
    warn('JITGATE_TUNNEL_INSECURE is not true: the tunnel wants TLS, so the local agent is not started');
    return undefined;
  }
  const target = new URL(postgresUrl);
  try {
    const registered = await ensureDemo({
      call,
      apiUrl,
      files: SECRET_FILES,
      target: { host: target.hostname, port: Number(target.port || 5432) },
      adminGroup: config.adminGroup,
      log,
    });
    const shop = await setUpShop(call, postgresUrl);
    const tools = await setUpTools(call);
    runAgent(registered.name, shop, tools);
    const connected = await waitForAgent({ call, id: registered.id, child: agent, timeoutMs: AGENT_CONNECT_TIMEOUT_MS, isStopping: () => stopping, warn });
    if (!connected) return undefined;
    return { agent: registered.name, user: decodeURIComponent(target.username) || 'postgres', shop: shop?.connection, tools: tools?.connection };
  } catch (error) {
    if (stopping) return undefined;
    warn(`setting up the demo failed: ${error instanceof Error ? error.message : String(error)}; the gateway keeps running without the local agent`);
    return undefined;
  }
}

/** The Postgres demo, or undefined when it could not be set up (the data-path demo goes on). */
async function setUpShop(call, postgresUrl) {
  try {
    return await ensureShopDemo({ call, repo, url: postgresUrl, dataDir: DATA_DIR, adminGroup: config.adminGroup, createDatabaseIfMissing: db.createDatabaseIfMissing, log });
  } catch (error) {
    if (!stopping) warn(`setting up the Postgres demo failed: ${error instanceof Error ? error.message : String(error)}; going on without it`);
    return undefined;
  }
}

/** The MCP demo (its server runs in this process), or undefined when it could not be set up. */
async function setUpTools(call) {
  try {
    mcpServer = await startDemoMcpServer(repo);
    return await ensureMcpDemo({ call, url: mcpServer.url, adminGroup: config.adminGroup, log });
  } catch (error) {
    if (!stopping) warn(`setting up the MCP demo failed: ${error instanceof Error ? error.message : String(error)}; going on without it`);
    return undefined;
  }
}

function runAgent(name, shop, tools) {
  const connections = [DEMO_CONNECTION, ...(shop ? [shop.connection] : []), ...(tools ? [tools.connection] : [])];
  log(`starting agent ${name} (tunnel 127.0.0.1:${config.tunnelPort}, connections ${connections.join(', ')})`);
  ({ child: agent, exited: agentExit } = startAgent({ main: AGENT_MAIN, cwd: repo, name, tunnelPort: config.tunnelPort, tokenFile: SECRET_FILES.agent, connections, credentials: shop?.env, env: process.env }));
  // The agent going away does not stop the gateway: the control plane is still worth having.
  void agentExit.then((how) => {
    if (stopping) return;
    const refused = agent.exitCode === 77 ? ` (the gateway refused its token: delete ${shown(SECRET_FILES.agent)} and restart to register a new one)` : '';
    warn(`the agent ${how}${refused}; the gateway keeps running`);
  });
}

function printBanner(postgres, redis, admin, demo) {
  const where = (service, what) => `${devenv.redactUrl(service.url)}${service.source === 'existing' ? '' : ` (${what}, stopped on Ctrl-C)`}`;
  console.log(
    formatBanner({
      ports: { api: config.port, tunnel: config.tunnelPort, tcp: config.tcpPort, pg: config.pgPort, http: config.httpPort },
      postgres: where(postgres, `embedded, data in ${path.join('.data', 'postgres')}`),
      redis: where(redis, 'temporary redis-server'),
      // This is the dev tool printing the local dev admin's token, which it keeps in
      // .data/dev-admin-token (mode 0600, git-ignored) for this machine's dev database only.
      adminToken: admin.verified ? admin.token : undefined,
      // The admin's token is in its file unless it came from JITGATE_BOOTSTRAP_TOKEN.
      adminFile: admin.source === 'environment' ? undefined : path.relative(process.cwd(), SECRET_FILES.admin),
      demo: demo && { ...demo, connection: DEMO_CONNECTION, cli: path.relative(process.cwd(), CLI_MAIN) || CLI_MAIN, approverFile: path.relative(process.cwd(), SECRET_FILES.approver) },
    }),
  );
}

function onSignal(signal) {
  if (!stopping) {
    log(`${signal}: stopping`);
    void shutdown(0);
    return;
  }
  // A second Ctrl-C: the developer does not want to wait for a graceful stop.
  for (const [name, child] of [
    ['agent', agent],
    ['gateway', gateway],
  ]) {
    if (running(child)) {
      warn(`stopping the ${name} now (SIGKILL)`);
      child.kill('SIGKILL');
    }
  }
}

async function shutdown(code) {
  stopping = true;
  // The agent first: it closes its sessions with SHUTDOWN while the gateway can still hear it.
  await stopChild('agent', agent, agentExit, AGENT_STOP_TIMEOUT_MS, warn);
  await stopChild('gateway', gateway, gatewayExit, GATEWAY_STOP_TIMEOUT_MS, warn);
  await mcpServer?.close();
  for (const { name, service } of started.reverse()) {
    log(`stopping ${name}`);
    await service.stop().catch((error) => warn(`could not stop ${name}: ${error instanceof Error ? error.message : String(error)}`));
  }
  process.exit(code);
}
