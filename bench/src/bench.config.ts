// Options and environment of `pnpm bench`, read here and nowhere else.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIOS, type ScenarioKey } from './rest.bench.js';

const USAGE = `pnpm bench [-- options]

  --only grant-check|write-path|rest|tunnel|session-leg|pgbench|http
                              run one bench (default: all but pgbench and http, which run only when named)
  --quick                     short runs (3 s, 1,500 calls): to try the bench, not to quote it
  --identities N              identities to seed (default 64)
  --connections N             connections to seed (default 8); every pair gets an active grant
  --pool N                    DATABASE_POOL_SIZE of the gateway and of the baselines (default 10)
  --calls N                   grant check: calls per variant and concurrency (default 6000)
  --rounds N                  grant check: interleaved rounds (default 3)
  --concurrency 1,8,32        grant check: callers in flight
  --write-calls N             write path breakdown: sequential calls per part (default 400)
  --clients 16,64             REST: autocannon connections
  --duration S                REST: seconds measured per scenario and client count (default 10)
  --rest-rounds N             REST: rounds the duration is split into, scenarios taken in turn (default 2)
  --warmup S                  REST: seconds of warm-up before each run (default 2)
  --scenarios a,b             REST: of ${SCENARIOS.join(', ')} (default all)
  --replicas N                REST: gateway processes on the same database and Redis prefix, driven in
                              parallel with the connections split between them (default 1)
  --compare-replicas M        REST: in the same run, rounds interleaved, also drive only the first M of
                              the N replicas, and report N against M (not with --candidate)
  --bulk-mb N                 tunnel: size of the one bulk transfer, direct and through jitgate (default 512)
  --round-trips N             tunnel: 64-byte request/response round trips, direct and through (default 20000)
  --idle-sessions N           tunnel: idle sessions per batch (two batches) to read the memory each costs (default 1000)
  --leg-requests N            session leg: requests per variant, body and round (default 20000; 4000 with
                              --quick; a quarter of it with the 64 KiB answer), in 3 rounds
  --pgbench-duration S        pgbench: -T of each run (default 15; 5 with --quick)
  --pgbench-rounds N          pgbench: rounds, each running every target in turn (default 2)
  --pgbench-scale N           pgbench: -i -s (default 10; 2 with --quick)
  --pgbench-pin               pgbench: pgbench and PostgreSQL on the first half of the CPUs, the gateway,
                              the agent, pgbouncer and the floors on the rest (taskset; PostgreSQL's
                              CPUs are given back afterwards)
  --http-clients 1,16         http: keep-alive client connections (the fewest give the latency goal, the most the req/s goal)
  --http-duration S           http: seconds per path, body and client count (default 10; 3 with --quick)
  --http-rounds N             http: rounds the duration is split into, paths taken in turn (default 2)
  --tunnel-profile            tunnel: run its gateway and agent under --cpu-prof; profiles summarised in the report
  --profile SCENARIO          afterwards, restart the gateway with --cpu-prof and profile one REST scenario;
                              --profile pgbench: one more jitgate run (-S, 8 clients) on a gateway under --cpu-prof;
                              --profile http: the http bench's gateway and agent under --cpu-prof, cut to one more run
  --profile-clients N         clients for the profiled run (default 64)
  --candidate PATH            A/B: also run another build of the gateway (PATH to its main.js) on the
                              same database, each REST round measuring both in turn
  --keep                      keep the database and the Redis keys

Environment: BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432),
             BENCH_REDIS_URL (default redis://127.0.0.1:6379)`;

const BENCHES = ['grant-check', 'write-path', 'rest', 'tunnel', 'session-leg', 'pgbench', 'http'] as const;

export interface BenchConfig {
  only: (typeof BENCHES)[number] | null;
  postgresUrl: string;
  redisUrl: string;
  identities: number;
  connections: number;
  poolSize: number;
  searchPath: string;
  grantCheck: { calls: number; rounds: number; concurrencies: number[]; warmupCalls: number };
  writePath: { calls: number; warmupCalls: number };
  rest: { clients: number[]; durationSeconds: number; rounds: number; warmupSeconds: number; scenarios: ScenarioKey[]; replicas: number; compareReplicas: number | null };
  tunnel: { bulkBytes: number; roundTrips: number; idleSessions: number; profile: boolean };
  sessionLeg: { requests: number; rounds: number };
  pgbench: { durationSeconds: number; rounds: number; scale: number; profile: boolean; pin: boolean };
  http: { clients: number[]; durationSeconds: number; rounds: number; warmupSeconds: number; profile: boolean };
  profile: { scenario: ScenarioKey; clients: number } | null;
  candidate: string | null;
  keep: boolean;
}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): BenchConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      identities: { type: 'string', default: '64' },
      connections: { type: 'string', default: '8' },
      pool: { type: 'string', default: '10' },
      calls: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '1,8,32' },
      'write-calls': { type: 'string' },
      clients: { type: 'string', default: '16,64' },
      duration: { type: 'string' },
      warmup: { type: 'string', default: '2' },
      'rest-rounds': { type: 'string', default: '2' },
      scenarios: { type: 'string', default: SCENARIOS.join(',') },
      replicas: { type: 'string', default: '1' },
      'compare-replicas': { type: 'string' },
      'bulk-mb': { type: 'string' },
      'round-trips': { type: 'string' },
      'idle-sessions': { type: 'string', default: '1000' },
      'leg-requests': { type: 'string' },
      'pgbench-duration': { type: 'string' },
      'pgbench-rounds': { type: 'string', default: '2' },
      'pgbench-scale': { type: 'string' },
      'pgbench-pin': { type: 'boolean', default: false },
      'http-clients': { type: 'string', default: '1,16' },
      'http-duration': { type: 'string' },
      'http-rounds': { type: 'string', default: '2' },
      'tunnel-profile': { type: 'boolean', default: false },
      profile: { type: 'string' },
      'profile-clients': { type: 'string', default: '64' },
      candidate: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values['compare-replicas'] !== undefined && values.candidate !== undefined) throw new Error('--compare-replicas and --candidate do not go together');
  const int = (name: string, value: string | undefined, min: number, max: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  const ints = (name: string, value: string, min: number, max: number) => value.split(',').map((v) => int(name, v.trim(), min, max));
  const scenario = (value: string): ScenarioKey => {
    if (!(SCENARIOS as readonly string[]).includes(value)) throw new Error(`unknown scenario "${value}": one of ${SCENARIOS.join(', ')}`);
    return value as ScenarioKey;
  };
  if (values.only !== undefined && !(BENCHES as readonly string[]).includes(values.only)) throw new Error(`--only must be one of ${BENCHES.join(', ')}`);
  return {
    only: (values.only as BenchConfig['only'] | undefined) ?? null,
    postgresUrl: env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432',
    redisUrl: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    identities: int('identities', values.identities, 1, 1000),
    connections: int('connections', values.connections, 1, 100),
    poolSize: int('pool', values.pool, 1, 200),
    searchPath: env.PATH ?? '/usr/bin:/bin',
    grantCheck: {
      calls: int('calls', values.calls ?? (values.quick ? '1500' : '6000'), 100, 1_000_000),
      rounds: int('rounds', values.rounds, 1, 20),
      concurrencies: ints('concurrency', values.concurrency, 1, 256),
      warmupCalls: values.quick ? 200 : 1000,
    },
    writePath: { calls: int('write-calls', values['write-calls'] ?? (values.quick ? '100' : '400'), 10, 100_000), warmupCalls: values.quick ? 30 : 100 },
    rest: {
      clients: ints('clients', values.clients, 1, 1000),
      durationSeconds: int('duration', values.duration ?? (values.quick ? '3' : '10'), 1, 600),
      rounds: int('rest-rounds', values['rest-rounds'], 1, 20),
      warmupSeconds: int('warmup', values.warmup, 0, 60),
      scenarios: values.scenarios.split(',').map((s) => scenario(s.trim())),
      replicas: int('replicas', values.replicas, 1, 16),
      compareReplicas: values['compare-replicas'] === undefined ? null : int('compare-replicas', values['compare-replicas'], 1, int('replicas', values.replicas, 1, 16) - 1),
    },
    tunnel: {
      bulkBytes: int('bulk-mb', values['bulk-mb'] ?? (values.quick ? '64' : '512'), 1, 16_384) * 1024 * 1024,
      roundTrips: int('round-trips', values['round-trips'] ?? (values.quick ? '4000' : '20000'), 100, 10_000_000),
      idleSessions: int('idle-sessions', values['idle-sessions'], 1, 20_000),
      profile: values['tunnel-profile'],
    },
    sessionLeg: { requests: int('leg-requests', values['leg-requests'] ?? (values.quick ? '4000' : '20000'), 100, 10_000_000), rounds: 3 },
    pgbench: {
      durationSeconds: int('pgbench-duration', values['pgbench-duration'] ?? (values.quick ? '5' : '15'), 1, 600),
      rounds: int('pgbench-rounds', values['pgbench-rounds'], 1, 20),
      scale: int('pgbench-scale', values['pgbench-scale'] ?? (values.quick ? '2' : '10'), 1, 1000),
      profile: values.profile === 'pgbench',
      pin: values['pgbench-pin'],
    },
    http: {
      clients: ints('http-clients', values['http-clients'], 1, 256),
      durationSeconds: int('http-duration', values['http-duration'] ?? (values.quick ? '3' : '10'), 1, 600),
      rounds: int('http-rounds', values['http-rounds'], 1, 20),
      warmupSeconds: 1,
      profile: values.profile === 'http',
    },
    profile: values.profile && values.profile !== 'pgbench' && values.profile !== 'http' ? { scenario: scenario(values.profile), clients: int('profile-clients', values['profile-clients'], 1, 1000) } : null,
    candidate: values.candidate ? path.resolve(values.candidate) : null,
    keep: values.keep,
  };
}
