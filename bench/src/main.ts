// `pnpm bench` (through bench/run.mjs): sets up a world, runs the in-process grant check and the
// REST benches, optionally profiles one REST scenario, and writes a markdown report and the raw
// figures to bench/results/<timestamp>/. Options and environment are read here and nowhere else.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderProfile, summariseProfile } from './cpu-profile.js';
import { REPO_ROOT } from './gateway-process.js';
import { renderGrantCheck, runGrantCheckBench, type GrantCheckResult } from './grant-check.bench.js';
import { machineFacts, renderMachine, type MachineFacts } from './machine.js';
import { runRestBench, SCENARIOS, type RestResult, type ScenarioKey } from './rest.bench.js';
import { renderComparison, renderRest } from './rest.report.js';
import { setUpWorld, type BenchWorld } from './setup.js';
import { renderWritePath, runWritePathBench, type WritePathRow } from './write-path.bench.js';

const USAGE = `pnpm bench [-- options]

  --only grant-check|write-path|rest   run one bench (default: all three)
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
  --profile SCENARIO          afterwards, restart the gateway with --cpu-prof and profile one REST scenario
  --profile-clients N         clients for the profiled run (default 64)
  --candidate PATH            A/B: also run another build of the gateway (PATH to its main.js) on the
                              same database, each REST round measuring both in turn
  --keep                      keep the database and the Redis keys

Environment: BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432),
             BENCH_REDIS_URL (default redis://127.0.0.1:6379)`;

interface BenchConfig {
  only: 'grant-check' | 'write-path' | 'rest' | null;
  postgresUrl: string;
  redisUrl: string;
  identities: number;
  connections: number;
  poolSize: number;
  searchPath: string;
  grantCheck: { calls: number; rounds: number; concurrencies: number[]; warmupCalls: number };
  writePath: { calls: number; warmupCalls: number };
  rest: { clients: number[]; durationSeconds: number; rounds: number; warmupSeconds: number; scenarios: ScenarioKey[] };
  profile: { scenario: ScenarioKey; clients: number } | null;
  candidate: string | null;
  keep: boolean;
}

function parseConfig(argv: string[], env: NodeJS.ProcessEnv): BenchConfig {
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
  if (values.only !== undefined && !['grant-check', 'write-path', 'rest'].includes(values.only)) throw new Error('--only must be grant-check, write-path or rest');
  return {
    only: (values.only as BenchConfig['only']) ?? null,
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
    },
    profile: values.profile ? { scenario: scenario(values.profile), clients: int('profile-clients', values['profile-clients'], 1, 1000) } : null,
    candidate: values.candidate ? path.resolve(values.candidate) : null,
    keep: values.keep,
  };
}

/**
 * Restarts the gateway under --cpu-prof, runs one REST scenario once (one window, so the profile
 * can be cut to it), stops the process so it writes the profile, and summarises it.
 */
async function profileScenario(world: BenchWorld, config: BenchConfig, profile: NonNullable<BenchConfig['profile']>, outDir: string, cores: number): Promise<string> {
  const dir = path.join(outDir, 'profile');
  log(`profiling ${profile.scenario} with ${profile.clients} clients…`);
  await world.restartGateway({ cpuProfileDir: dir });
  const result = await runRestBench(world, { ...config.rest, scenarios: [profile.scenario], connections: [profile.clients], rounds: 1, cores, log });
  const { previousExitedAtEpochMs } = await world.restartGateway();
  const file = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.cpuprofile')) : undefined;
  const row = result.rows[0];
  if (!file || !row) return 'The profiled gateway wrote no .cpuprofile.';
  const summary = summariseProfile(path.join(dir, file), { ...row.window, exitedAtEpochMs: previousExitedAtEpochMs });
  return `${renderRest([row])}\n\n${renderProfile(summary, row.ok)}`;
}

const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2), process.env);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const outDir = path.join(REPO_ROOT, 'bench', 'results', stamp);
  mkdirSync(outDir, { recursive: true });
  const command = `pnpm bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;

  const machine: MachineFacts = await machineFacts(config.postgresUrl, config.redisUrl);
  log(`${machine.cpuModel}, ${machine.cores} cores; load average ${machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}`);
  const world = await setUpWorld({ ...config, log });
  let grantCheck: GrantCheckResult | null = null;
  let writePath: WritePathRow[] | null = null;
  let rest: RestResult | null = null;
  let candidate: RestResult | null = null;
  let profile: string | null = null;
  try {
    if (config.only === null || config.only === 'grant-check') {
      log('grant check (in process)…');
      grantCheck = await runGrantCheckBench(world, { ...config.grantCheck, log });
    }
    if (config.only === null || config.only === 'write-path') {
      log('write path breakdown (in process)…');
      writePath = await runWritePathBench(world, { ...config.writePath, log });
    }
    if (config.only === null || config.only === 'rest') {
      log('REST (autocannon)…');
      const targets = [{ name: 'stock', gateway: world.gateway }];
      if (config.candidate) targets.push({ name: 'candidate', gateway: await world.startExtraGateway(config.candidate) });
      const result = await runRestBench(world, { ...config.rest, targets, connections: config.rest.clients, cores: machine.cores, log });
      rest = { ...result, rows: result.rows.filter((r) => r.target === 'stock') };
      if (config.candidate) candidate = { ...result, rows: result.rows.filter((r) => r.target === 'candidate') };
    }
    if (config.profile) {
      profile = await profileScenario(world, config, config.profile, outDir, machine.cores).catch((error: unknown) => {
        log(`profiling failed: ${error instanceof Error ? error.message : String(error)}`);
        return `Profiling failed: ${error instanceof Error ? error.message : String(error)}`;
      });
    }
  } finally {
    await world.teardown();
  }
  const loadAfter = os.loadavg();

  const report = [
    `# jitgate bench, ${new Date().toISOString()}`,
    `Command: \`${command}\` (seed: ${config.identities} identities × ${config.connections} connections = ${config.identities * config.connections} active grants; pool ${config.poolSize})`,
    renderMachine(machine, loadAfter),
    grantCheck ? `## Grant check, in process\n\n${renderGrantCheck(grantCheck)}` : '',
    writePath ? `## The auto-approved write path, part by part (in process, 1 in flight, ${config.writePath.calls} calls each)\n\n${renderWritePath(writePath)}` : '',
    rest ? `## REST under load (${config.rest.durationSeconds} s per scenario and client count, in ${config.rest.rounds} interleaved rounds, after ${config.rest.warmupSeconds} s of warm-up)\n\n${renderRest(rest.rows)}` : '',
    rest?.auditChain ? `Audit chain after the write runs: ${rest.auditChain.ok ? 'intact' : 'BROKEN'} (${rest.auditChain.checked} events verified).` : '',
    candidate && rest
      ? `## Candidate build \`${config.candidate}\` against the stock one (same database, rounds interleaved)\n\n${renderComparison(rest.rows, candidate.rows)}\n\n${renderRest(candidate.rows)}`
      : '',
    profile ? `## CPU profile of the gateway: ${config.profile?.scenario}, ${config.profile?.clients} clients\n\n${profile}` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  writeFileSync(path.join(outDir, 'report.md'), `${report}\n`);
  writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify({ command, config, machine, loadAfter, grantCheck, writePath, rest, candidate }, null, 2)}\n`);
  console.log(report);
  log(`written to ${path.relative(REPO_ROOT, outDir)}/report.md and results.json`);
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
