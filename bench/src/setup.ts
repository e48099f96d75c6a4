// A world to measure: a fresh, migrated database; the built gateway running as a process on it;
// N identities with tokens, M connections, one auto-approve policy without a rate limit, and an
// active grant for every (identity, connection) pair, all created through the public API.
import { applyMigrations, createDatabaseIfMissing, dropDatabase } from '@jitgate/db';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { startGatewayProcess, type GatewayProcess } from './gateway-process.js';

export interface SetupOptions {
  /** A PostgreSQL server URL; the bench creates (and later drops) a database of its own on it. */
  postgresUrl: string;
  redisUrl: string;
  identities: number;
  connections: number;
  /** DATABASE_POOL_SIZE of the gateway (and of the in-process app and baselines). */
  poolSize: number;
  /** PATH handed to the gateway processes. */
  searchPath: string;
  /** Keep the database and the Redis keys afterwards, to look at them. */
  keep: boolean;
  log: (line: string) => void;
}

export interface BenchIdentity {
  id: string;
  subject: string;
  token: string;
}

export interface BenchWorld {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  adminToken: string;
  poolSize: number;
  /** The running gateway process. */
  readonly gateway: GatewayProcess;
  identities: BenchIdentity[];
  connections: string[];
  /**
   * Stops the gateway and starts a fresh process on the same database: with --cpu-prof when a
   * directory is given, from another build when `main` is given.
   */
  restartGateway(options?: { cpuProfileDir?: string; main?: string }): Promise<{ previousExitedAtEpochMs: number }>;
  /** Starts a second gateway process from another build on the same database (stopped by teardown). */
  startExtraGateway(main: string, extra?: { cpuProfileDir?: string; nodeArgs?: string[] }): Promise<GatewayProcess>;
  /** Stops the gateway, drops the database and deletes the Redis keys (unless kept). */
  teardown(): Promise<void>;
}

export const BENCH_GROUP = 'bench';
const SEED_CONCURRENCY = 8;

export class Api {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  /** Sends JSON, returns the parsed body; any status but `expected` is an error naming the call. */
  async call<T>(method: string, path: string, expected: number, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== expected) throw new Error(`${method} ${path}: expected ${expected}, got ${response.status}: ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

export async function createBenchDatabase(postgresUrl: string): Promise<string> {
  const url = new URL(postgresUrl);
  url.pathname = `/jitgate_bench_${randomBytes(4).toString('hex')}`;
  await createDatabaseIfMissing(url.toString());
  await applyMigrations(url.toString());
  return url.toString();
}

export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
  return results;
}

export const connectionNameOf = (index: number) => `bench-db-${String(index).padStart(2, '0')}`;

/** The policy of the bench: every bench identity is auto-approved on every bench connection, no rate limit. */
export function benchPolicyRules(connections: string[]): unknown[] {
  return [
    {
      name: 'bench-auto-approve',
      effect: 'auto-approve',
      match: { identity: { groups: [BENCH_GROUP] }, connection: { names: connections } },
      maxDuration: '24h',
    },
  ];
}

export async function seed(admin: Api, options: Pick<SetupOptions, 'identities' | 'connections'>): Promise<{ identities: BenchIdentity[]; connections: string[] }> {
  const connections = Array.from({ length: options.connections }, (_, i) => connectionNameOf(i));
  for (const name of connections) {
    await admin.call('POST', '/v1/connections', 201, {
      name,
      type: 'postgres',
      agentGroup: 'default',
      settings: { host: '127.0.0.1', port: 5432, database: 'app', sslmode: 'disable' },
      credentialRef: 'env:APP_DB_PASSWORD',
    });
  }
  await admin.call('POST', '/v1/policies', 201, { name: 'bench', rules: benchPolicyRules(connections) });

  const subjects = Array.from({ length: options.identities }, (_, i) => `bench-agent-${String(i).padStart(3, '0')}`);
  const identities = await inParallel(subjects, SEED_CONCURRENCY, async (subject) => {
    const identity = await admin.call<{ id: string }>('POST', '/v1/identities', 201, { kind: 'service', subject, groups: [BENCH_GROUP], attributes: {} });
    const issued = await admin.call<{ token: string }>('POST', `/v1/identities/${identity.id}/tokens`, 201, { name: 'bench', ttl: '1d' });
    return { id: identity.id, subject, token: issued.token };
  });

  // An active grant for every pair, through the same auto-approve path the write bench measures.
  const pairs = identities.flatMap((identity) => connections.map((connection) => ({ identity, connection })));
  await inParallel(pairs, SEED_CONCURRENCY, async ({ identity, connection }) => {
    const created = await new Api(admin.baseUrl, identity.token).call<{ status: string }>('POST', '/v1/access-requests', 201, {
      connection,
      duration: '12h',
      reason: 'bench seed',
    });
    if (created.status !== 'approved') throw new Error(`the seed request of ${identity.subject} on ${connection} was ${created.status}, not approved`);
  });
  return { identities, connections };
}

export async function setUpWorld(options: SetupOptions): Promise<BenchWorld> {
  const started = performance.now();
  const databaseUrl = await createBenchDatabase(options.postgresUrl);
  const redisPrefix = `jgbench-${randomBytes(4).toString('hex')}`;
  const adminToken = `jg_${randomBytes(32).toString('base64url')}`;
  options.log(`database ${new URL(databaseUrl).pathname.slice(1)} migrated; Redis prefix ${redisPrefix}`);

  let gateway: GatewayProcess | undefined;
  const extras: GatewayProcess[] = [];
  const world: BenchWorld = {
    databaseUrl,
    redisUrl: options.redisUrl,
    redisPrefix,
    adminToken,
    poolSize: options.poolSize,
    get gateway(): GatewayProcess {
      if (!gateway) throw new Error('the gateway is not running');
      return gateway;
    },
    identities: [],
    connections: [],
    async restartGateway({ cpuProfileDir, main }: { cpuProfileDir?: string; main?: string } = {}) {
      await gateway?.stop();
      const previousExitedAtEpochMs = Date.now();
      gateway = undefined;
      gateway = await startGatewayProcess({ databaseUrl, redisUrl: options.redisUrl, redisPrefix, bootstrapToken: adminToken, poolSize: options.poolSize, searchPath: options.searchPath, cpuProfileDir, main });
      options.log(`gateway restarted: pid ${gateway.pid} on ${gateway.baseUrl}${cpuProfileDir ? ' (profiling)' : ''}${main ? ` from ${main}` : ''}`);
      return { previousExitedAtEpochMs };
    },
    async startExtraGateway(main: string, flags: { cpuProfileDir?: string; nodeArgs?: string[] } = {}) {
      const extra = await startGatewayProcess({ databaseUrl, redisUrl: options.redisUrl, redisPrefix, bootstrapToken: adminToken, poolSize: options.poolSize, searchPath: options.searchPath, main, ...flags });
      extras.push(extra);
      options.log(`extra gateway pid ${extra.pid} on ${extra.baseUrl} from ${main}`);
      return extra;
    },
    async teardown() {
      await Promise.all([gateway?.stop(), ...extras.map((extra) => extra.stop())]);
      if (options.keep) {
        options.log(`kept the database ${databaseUrl} and the Redis keys ${redisPrefix}:*`);
        return;
      }
      await dropDatabase(databaseUrl);
      await deleteRedisKeys(options.redisUrl, redisPrefix);
    },
  };
  try {
    gateway = await startGatewayProcess({ databaseUrl, redisUrl: options.redisUrl, redisPrefix, bootstrapToken: adminToken, poolSize: options.poolSize, searchPath: options.searchPath });
    options.log(`gateway pid ${gateway.pid} on ${gateway.baseUrl}`);
    const seeded = await seed(new Api(gateway.baseUrl, adminToken), options);
    world.identities = seeded.identities;
    world.connections = seeded.connections;
    options.log(
      `seeded ${seeded.identities.length} identities, ${seeded.connections.length} connections, ${seeded.identities.length * seeded.connections.length} active grants in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return world;
  } catch (error) {
    await world.teardown().catch(() => {});
    throw error;
  }
}
