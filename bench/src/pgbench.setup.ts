// What the pgbench bench runs against (issue 4): a pgbench database on the machine's PostgreSQL
// (`pgbench -i`, directly, once); pgbouncer in session mode in front of it; and jitgate: a
// `postgres` connection to it in an agent group of its own, a policy that auto-approves the
// bench identity with a masking guardrail (columns `*email*`, detectors email and payment_card,
// no SQL rules), a grant, a gateway process of its own and the built agent holding the database
// credential (env:BENCH_PG_PASSWORD; trust auth makes its value irrelevant). All through the
// public API, as in tunnel.setup.ts.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { GATEWAY_MAIN, REPO_ROOT, startGatewayProcess, type GatewayProcess } from './gateway-process.js';
import { Api, benchPolicyRules, type BenchWorld } from './setup.js';
import { AGENT_MAIN, requireBuiltAgent } from './agent-process.js';
import { listeningPorts, stopChild } from './child-processes.js';
import { startForwarder, startPgbouncer } from './pgbench.side-processes.js';
import { startGrpcFloor, startTcpRelays } from './floor-processes.js';

const AGENT_GROUP = 'bench-pg';
const AGENT_NAME = 'bench-pg-agent';
/** The connection's name is the database name pgbench asks the gateway for. */
export const PG_CONNECTION = 'bench-pgbench';
/**
 * The same database as a plain `tcp` connection: the tunnel alone, no Postgres layer (no parse,
 * no recording, no masking), reached through a local forwarder that does what `jitgate connect`
 * does. It splits jitgate's cost between the relay and the Postgres work.
 */
export const TCP_CONNECTION = 'bench-pgbench-tcp';
const READY_TIMEOUT_MS = 30_000;
/** The guardrail of the brief: every text column scanned, none blocked. */
export const MASKING_GUARDRAIL = {
  name: 'bench-masking',
  match: { connection: { names: [PG_CONNECTION] } },
  masking: { columns: ['*email*'], detectors: ['email', 'payment_card'] },
};

/** Every target the bench runs pgbench against, in the order each round takes them. */
export const TARGETS = ['direct', 'pgbouncer', 'jitgate', 'jitgate-tcp', 'floor-relays', 'floor-grpc'] as const;

export interface PgTarget {
  name: (typeof TARGETS)[number];
  host: string;
  port: number;
  database: string;
  user: string;
  /** PGPASSWORD: the jitgate token for jitgate, none for the others (trust). */
  password: string | undefined;
}

export interface PgBenchWorld {
  database: { name: string; url: string };
  targets: Record<PgTarget['name'], PgTarget>;
  /** The gateway and the agent of the measured jitgate runs; pgbouncer's process; the floors' processes (floor.main.ts). */
  pids: { gateway: number; agent: number; pgbouncer: number; floor: number[] };
  /** With --profile pgbench: a second gateway under --cpu-prof that the agent also serves. */
  profiled: { gateway: GatewayProcess; target: PgTarget; dir: string } | null;
  stop(): Promise<void>;
}

async function adminQuery(postgresUrl: string, database: string, sql: string): Promise<void> {
  const url = new URL(postgresUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The gateway's Postgres listener is started on port 0 by gateway-process.ts; this finds it. */
async function pgListenerPort(gateway: GatewayProcess): Promise<number> {
  const known = new Set([Number(new URL(gateway.baseUrl).port), gateway.tunnelPort, gateway.tcpPort, gateway.httpPort]);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const others = listeningPorts(gateway.pid).filter((p) => !known.has(p));
    if (others.length === 1) return others[0]!;
    if (others.length > 1) throw new Error(`gateway ${gateway.pid} listens on more ports than expected: ${others.join(', ')}`);
    if (Date.now() > deadline) throw new Error(`gateway ${gateway.pid}: no Postgres listener found`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `SELECT 1` through a target, retried until it answers (the agent may still be connecting). */
async function waitUntilServing(target: PgTarget): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const client = new pg.Client({ host: target.host, port: target.port, database: target.database, user: target.user, password: target.password ?? '' });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`${target.name} on :${target.port} did not serve within ${READY_TIMEOUT_MS / 1000} s: ${error instanceof Error ? error.message : String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export interface PgBenchSetupOptions {
  postgresUrl: string;
  scale: number;
  profile: boolean;
  searchPath: string;
  log: (line: string) => void;
}

export async function setUpPgBenchWorld(world: BenchWorld, options: PgBenchSetupOptions): Promise<PgBenchWorld> {
  requireBuiltAgent();
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => options.log(`pgbench clean-up: ${error instanceof Error ? error.message : String(error)}`));
  };
  try {
    // The database pgbench works on, initialised directly (not measured).
    const database = `jitgate_pgbench_${randomBytes(4).toString('hex')}`;
    await adminQuery(options.postgresUrl, 'postgres', `CREATE DATABASE ${database}`);
    cleanups.push(() => adminQuery(options.postgresUrl, 'postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    const url = new URL(options.postgresUrl);
    url.pathname = `/${database}`;
    const started = performance.now();
    execFileSync('pgbench', ['-i', '-q', '-s', String(options.scale), '-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username) || 'postgres', database], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: options.searchPath, PGSSLMODE: 'disable' },
    });
    options.log(`pgbench: ${database} initialised (-i -s ${options.scale}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const direct: PgTarget = { name: 'direct', host: url.hostname, port: Number(url.port || 5432), database, user: decodeURIComponent(url.username) || 'postgres', password: undefined };

    const bouncer = await startPgbouncer(database, options.log);
    cleanups.push(async () => {
      // SIGINT: pgbouncer's "safe shutdown" (waits for clients, which are gone by now).
      await stopChild(bouncer.child, 'SIGINT');
      rmSync(bouncer.dir, { recursive: true, force: true });
    });
    const pgbouncer: PgTarget = { ...direct, name: 'pgbouncer', host: '127.0.0.1', port: bouncer.port };

    // jitgate: the connection, the policy with the masking guardrail, the agent, a grant.
    const admin = new Api(world.gateway.baseUrl, world.adminToken);
    await admin.call('POST', '/v1/connections', 201, {
      name: PG_CONNECTION,
      type: 'postgres',
      agentGroup: AGENT_GROUP,
      settings: { host: direct.host, port: direct.port, database, user: direct.user, sslmode: 'disable' },
      credentialRef: 'env:BENCH_PG_PASSWORD',
    });
    await admin.call('POST', '/v1/connections', 201, { name: TCP_CONNECTION, type: 'tcp', agentGroup: AGENT_GROUP, settings: { host: direct.host, port: direct.port } });
    await admin.call('POST', '/v1/policies', 201, { name: 'bench-pgbench', rules: benchPolicyRules([PG_CONNECTION, TCP_CONNECTION]), guardrails: [MASKING_GUARDRAIL] });
    const agent = await admin.call<{ id: string; token: string }>('POST', '/v1/agents', 201, { name: AGENT_NAME, agentGroup: AGENT_GROUP });
    const identity = world.identities[0]!;
    for (const connection of [PG_CONNECTION, TCP_CONNECTION]) {
      const created = await new Api(world.gateway.baseUrl, identity.token).call<{ status: string }>('POST', '/v1/access-requests', 201, { connection, duration: '12h', reason: 'bench: pgbench' });
      if (created.status !== 'approved') throw new Error(`the pgbench bench's request on ${connection} was ${created.status}, not auto-approved`);
    }

    // The data plane's gateway (a process of its own, so its CPU is the Postgres path's), and
    // with --profile a second one under --cpu-prof; the agent dials both.
    const gatewayOptions = {
      databaseUrl: world.databaseUrl,
      redisUrl: world.redisUrl,
      redisPrefix: world.redisPrefix,
      bootstrapToken: world.adminToken,
      poolSize: world.poolSize,
      searchPath: options.searchPath,
    };
    const gateway = await startGatewayProcess(gatewayOptions);
    cleanups.push(() => gateway.stop());
    let profiled: PgBenchWorld['profiled'] = null;
    if (options.profile) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'jgbench-pgprof-'));
      const profiledGateway = await startGatewayProcess({ ...gatewayOptions, main: GATEWAY_MAIN, cpuProfileDir: dir });
      // Stopped here only if set-up fails; the bench stops it itself to get the profile.
      cleanups.push(() => profiledGateway.stop());
      profiled = { gateway: profiledGateway, dir, target: { name: 'jitgate', host: '127.0.0.1', port: await pgListenerPort(profiledGateway), database: PG_CONNECTION, user: 'bench', password: identity.token } };
    }
    const jitgate: PgTarget = { name: 'jitgate', host: '127.0.0.1', port: await pgListenerPort(gateway), database: PG_CONNECTION, user: 'bench', password: identity.token };

    const agentProcess = spawn(process.execPath, [AGENT_MAIN, '--insecure'], {
      cwd: REPO_ROOT,
      env: {
        PATH: options.searchPath,
        NODE_ENV: 'production',
        JITGATE_AGENT_TOKEN: agent.token,
        JITGATE_AGENT_NAME: AGENT_NAME,
        JITGATE_AGENT_INSTANCE_ID: 'bench-pg',
        JITGATE_GATEWAY: [gateway, ...(profiled ? [profiled.gateway] : [])].map((g) => `127.0.0.1:${g.tunnelPort}`).join(','),
        JITGATE_AGENT_CONNECTIONS: `${PG_CONNECTION},${TCP_CONNECTION}`,
        JITGATE_AGENT_HEALTH_HOST: '127.0.0.1',
        JITGATE_AGENT_HEALTH_PORT: '0',
        BENCH_PG_PASSWORD: 'unused-with-trust-auth',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // Stopped first (clean-ups run in reverse): its sessions end before the gateways go.
    cleanups.push(() => stopChild(agentProcess));
    agentProcess.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk.toString('utf8').replace(/^(?=.)/gm, '[agent] ')));

    const forwarder = await startForwarder(gateway.tcpPort, TCP_CONNECTION, identity.token);
    cleanups.push(() => forwarder.close());
    const jitgateTcp: PgTarget = { ...direct, name: 'jitgate-tcp', host: '127.0.0.1', port: forwarder.port };

    // The floors: what two Node processes in the path cost at the least — bare TCP relays, and a
    // bare grpc-js tunnel between a gateway-like and an agent-like process (floor.main.ts).
    const relays = await startTcpRelays(direct.port, 2);
    cleanups.push(() => relays.stop());
    const grpcFloor = await startGrpcFloor(direct.port);
    cleanups.push(() => grpcFloor.stop());
    const floorRelays: PgTarget = { ...direct, name: 'floor-relays', host: '127.0.0.1', port: relays.port };
    const floorGrpc: PgTarget = { ...direct, name: 'floor-grpc', host: '127.0.0.1', port: grpcFloor.port };

    for (const target of [direct, pgbouncer, jitgate, jitgateTcp, floorRelays, floorGrpc, ...(profiled ? [profiled.target] : [])]) await waitUntilServing(target);
    options.log(
      `pgbench: gateway pid ${gateway.pid} (postgres :${jitgate.port}), agent pid ${agentProcess.pid}${profiled ? `, profiled gateway pid ${profiled.gateway.pid} (postgres :${profiled.target.port})` : ''}`,
    );
    return {
      database: { name: database, url: url.toString() },
      targets: { direct, pgbouncer, jitgate, 'jitgate-tcp': jitgateTcp, 'floor-relays': floorRelays, 'floor-grpc': floorGrpc },
      pids: { gateway: gateway.pid, agent: agentProcess.pid as number, pgbouncer: bouncer.child.pid as number, floor: [...relays.pids, ...grpcFloor.pids] },
      profiled,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
