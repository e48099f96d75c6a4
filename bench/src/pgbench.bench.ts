// Postgres through the gateway (issue 4's goals): pgbench, select-only (`-S`, one statement per
// transaction) and TPC-B-like (the default script: BEGIN, three UPDATEs, a SELECT, an INSERT,
// END), each at 1 client and at 8 (`-j 2`), for a fixed time, against PostgreSQL directly (the
// baseline), pgbouncer in session mode, jitgate (gateway + agent, every statement parsed and
// recorded, result rows run through the masker), jitgate's tunnel alone (`jitgate-tcp`), and two
// floors with nothing of jitgate in them (floor.main.ts): two bare Node TCP relays in series, and
// a bare grpc-js tunnel between two Node processes. Rounds take the targets in turn so drift on a
// shared box hits all of them. Beside each run: the CPU the gateway, the agent, pgbouncer, the
// floors, PostgreSQL and pgbench itself spent, per transaction (from /proc).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { CpuMeter, pidsNamed } from './cpu-meter.js';
import { summariseProfile, type ProfileSummary } from './cpu-profile.js';
import { setUpPgBenchWorld, TARGETS, type PgBenchWorld, type PgTarget } from './pgbench.setup.js';
import { affinityOf, pin, planCores, type CorePlan } from './core-pinning.js';
import type { BenchWorld } from './setup.js';

export const SCRIPTS = ['select-only', 'tpcb-like'] as const;
export type PgScript = (typeof SCRIPTS)[number];
/** Statements per transaction of each built-in script (pgbench's own definitions). */
export const STATEMENTS_PER_TRANSACTION: Record<PgScript, number> = { 'select-only': 1, 'tpcb-like': 7 };
export const CLIENTS = [1, 8] as const;
const THREADS: Record<number, number> = { 1: 1, 8: 2 };
const WARMUP_SECONDS = 2;

export interface PgBenchOptions {
  postgresUrl: string;
  durationSeconds: number;
  rounds: number;
  scale: number;
  profile: boolean;
  /** Client and database on the first half of the CPUs, everything between them on the rest (core-pinning.ts). */
  pin: boolean;
  searchPath: string;
  cores: number;
  log: (line: string) => void;
}

export interface PgBenchOutput {
  transactions: number;
  failed: number;
  tps: number;
  latencyMs: number;
  connectMs: number;
}

export interface PgBenchRun extends PgBenchOutput {
  target: PgTarget['name'];
  script: PgScript;
  clients: number;
  threads: number;
  round: number;
  command: string;
  /** CPU milliseconds during the run, by process group; `other` is the machine's busy time no group explains. */
  cpu: {
    wallMs: number;
    gateway: number;
    gatewayKernel: number;
    agent: number;
    agentKernel: number;
    pgbouncer: number;
    floor: number;
    postgres: number;
    pgbench: number;
    forwarder: number;
    other: number;
    machineBusy: number;
  };
}

export interface PgBenchResult {
  scale: number;
  durationSeconds: number;
  rounds: number;
  runs: PgBenchRun[];
  /** Statement events in the recording after the jitgate runs, and what pgbench's transactions alone account for. */
  recorded: { statements: number; sessions: number; expectedAtLeast: number };
  profile: { run: PgBenchRun; summary: ProfileSummary } | null;
  /** With --pgbench-pin: which CPUs the edge (pgbench, PostgreSQL) and the middle (the rest) had. */
  pinned: CorePlan | null;
}

/**
 * CPU time of this process's waited-for children (pgbench: the only child that exits during a
 * run), from /proc/self/stat (cutime + cstime; USER_HZ is 100 on Linux), in ms.
 */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

export function parsePgbenchOutput(stdout: string): PgBenchOutput {
  const number = (pattern: RegExp): number => {
    const match = pattern.exec(stdout);
    if (!match) throw new Error(`pgbench printed no ${pattern.source}:\n${stdout}`);
    return Number(match[1]);
  };
  return {
    transactions: number(/number of transactions actually processed: (\d+)/),
    failed: /number of failed transactions: (\d+)/.test(stdout) ? number(/number of failed transactions: (\d+)/) : 0,
    tps: number(/tps = ([\d.]+)/),
    latencyMs: number(/latency average = ([\d.]+) ms/),
    connectMs: /initial connection time = ([\d.]+) ms/.test(stdout) ? number(/initial connection time = ([\d.]+) ms/) : Number.NaN,
  };
}

function pgbench(target: PgTarget, args: string[], searchPath: string, edge: string | undefined): Promise<{ stdout: string; command: string }> {
  const all = ['-n', '-h', target.host, '-p', String(target.port), '-U', target.user, ...args, target.database];
  // taskset execs pgbench in the same process: its CPU still comes back as this process's child's.
  const [file, argv] = edge ? ['taskset', ['-c', edge, 'pgbench', ...all]] : ['pgbench', all];
  const command = `${file} ${argv.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, {
      env: { PATH: searchPath, PGSSLMODE: 'disable', ...(target.password ? { PGPASSWORD: target.password } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${command} exited with ${code}:\n${stderr.slice(-2000)}`));
      else resolve({ stdout, command });
    });
  });
}

/** What pgbench does before a run unless -n: here done directly for every target alike, and not measured. */
async function resetTpcb(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('VACUUM pgbench_branches');
    await client.query('VACUUM pgbench_tellers');
    await client.query('TRUNCATE pgbench_history');
  } finally {
    await client.end();
  }
}

export async function runPgBenchBench(world: BenchWorld, options: PgBenchOptions): Promise<PgBenchResult> {
  const pgWorld: PgBenchWorld = await setUpPgBenchWorld(world, { postgresUrl: options.postgresUrl, scale: options.scale, profile: options.profile, searchPath: options.searchPath, log: options.log });
  const meterFor = (gatewayPid: number) =>
    new CpuMeter(
      [
        { name: 'gateway', pids: async () => [gatewayPid] },
        { name: 'agent', pids: async () => [pgWorld.pids.agent] },
        { name: 'pgbouncer', pids: async () => [pgWorld.pids.pgbouncer] },
        { name: 'floor', pids: async () => pgWorld.pids.floor },
        { name: 'postgres', pids: async () => pidsNamed('postgres'), reapsItsOwn: true },
      ],
      options.cores,
    );
  const meter = meterFor(pgWorld.pids.gateway);
  let pinned: ReturnType<typeof pinProcesses> | null = null;

  const measure = async (target: PgTarget, script: PgScript, clients: number, round: number, runMeter: CpuMeter): Promise<PgBenchRun> => {
    if (script === 'tpcb-like') await resetTpcb(pgWorld.database.url);
    const threads = THREADS[clients] ?? 1;
    const args = ['-c', String(clients), '-j', String(threads), '-T', String(options.durationSeconds), ...(script === 'select-only' ? ['-S'] : [])];
    const childBefore = childrenCpuMs();
    await runMeter.start();
    const { stdout, command } = await pgbench(target, args, options.searchPath, pinned?.plan.edge);
    const cpu = await runMeter.stop();
    const pgbenchMs = childrenCpuMs() - childBefore;
    const output = parsePgbenchOutput(stdout);
    const run: PgBenchRun = {
      ...output,
      target: target.name,
      script,
      clients,
      threads,
      round,
      command: command.replace(/-U \S+/, '-U …'),
      cpu: {
        wallMs: cpu.wallMs,
        gateway: cpu.byGroup['gateway'] ?? 0,
        gatewayKernel: cpu.systemByGroup['gateway'] ?? 0,
        agent: cpu.byGroup['agent'] ?? 0,
        agentKernel: cpu.systemByGroup['agent'] ?? 0,
        pgbouncer: cpu.byGroup['pgbouncer'] ?? 0,
        floor: cpu.byGroup['floor'] ?? 0,
        postgres: cpu.byGroup['postgres'] ?? 0,
        pgbench: pgbenchMs,
        // This process: the meter's bookkeeping, and for jitgate-tcp the forwarder.
        forwarder: cpu.clientMs,
        // The meter counts this process as its client; pgbench is a child it does not see.
        other: Math.max(0, cpu.otherMs - pgbenchMs),
        machineBusy: cpu.machineBusyMs,
      },
    };
    options.log(
      `pgbench ${script} c=${clients} ${target.name} (round ${round + 1}): ${run.tps.toFixed(0)} tps, ${run.latencyMs.toFixed(3)} ms; gateway ${(run.cpu.gateway / Math.max(1, run.transactions)).toFixed(3)} ms/tx${run.failed ? `; ${run.failed} FAILED` : ''}`,
    );
    return run;
  };

  try {
    if (options.pin) pinned = pinProcesses(pgWorld, options.cores, options.log);
    // Warm-up: each target once, so first-run costs (JIT, pools, caches) land outside the figures.
    for (const name of TARGETS) await pgbench(pgWorld.targets[name], ['-c', '8', '-j', '2', '-T', String(WARMUP_SECONDS), '-S'], options.searchPath, pinned?.plan.edge);

    const runs: PgBenchRun[] = [];
    for (let round = 0; round < options.rounds; round++) {
      for (const script of SCRIPTS) {
        for (const clients of CLIENTS) {
          for (const name of TARGETS) runs.push(await measure(pgWorld.targets[name], script, clients, round, meter));
        }
      }
    }

    let profile: PgBenchResult['profile'] = null;
    if (pgWorld.profiled) {
      options.log('pgbench: the profiled run (-S, 8 clients) on the gateway under --cpu-prof…');
      const from = Date.now();
      const run = await measure(pgWorld.profiled.target, 'select-only', 8, 0, meterFor(pgWorld.profiled.gateway.pid));
      const to = Date.now();
      await pgWorld.profiled.gateway.stop();
      const exitedAtEpochMs = Date.now();
      const file = readdirSync(pgWorld.profiled.dir).find((f) => f.endsWith('.cpuprofile'));
      if (file) profile = { run, summary: summariseProfile(path.join(pgWorld.profiled.dir, file), { fromEpochMs: from, toEpochMs: to, exitedAtEpochMs }, 30) };
      else options.log('pgbench: the profiled gateway wrote no .cpuprofile');
    }

    // The recording is written in batches: give the last ones time to land.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const recorded = await countRecorded(world.databaseUrl);
    const expectedAtLeast = runs.filter((r) => r.target === 'jitgate').reduce((sum, r) => sum + r.transactions * STATEMENTS_PER_TRANSACTION[r.script], 0);
    options.log(`pgbench: ${recorded.statements} statements recorded in ${recorded.sessions} sessions (the measured transactions alone: ${expectedAtLeast})`);
    return { scale: options.scale, durationSeconds: options.durationSeconds, rounds: options.rounds, runs, recorded: { ...recorded, expectedAtLeast }, profile, pinned: pinned?.plan ?? null };
  } finally {
    pinned?.restore();
    await pgWorld.stop();
  }
}

/**
 * PostgreSQL's processes (new backends inherit the postmaster's CPUs) onto the edge; the gateway,
 * the agent, pgbouncer, the floors and this process (the forwarder) onto the middle. `restore`
 * gives PostgreSQL its CPUs back: the server is the machine's, not the bench's.
 */
function pinProcesses(world: PgBenchWorld, cores: number, log: (line: string) => void): { plan: CorePlan; restore(): void } {
  const plan = planCores(cores);
  if (!plan) throw new Error('--pgbench-pin needs at least 2 CPUs');
  const postgres = pidsNamed('postgres');
  // Backends come and go while we look (readiness probes ending): those that have gone are skipped.
  const before = new Map(
    postgres.flatMap((pid) => {
      const cpus = affinityOf(pid);
      return cpus ? [[pid, cpus] as const] : [];
    }),
  );
  const original = [...before.values()][0] ?? `0-${cores - 1}`;
  const restore = () => {
    // Backends started since were pinned by inheritance: every postgres process goes back.
    for (const pid of pidsNamed('postgres')) pin(pid, before.get(pid) ?? original);
    log(`pgbench: PostgreSQL's processes back on CPUs ${original}`);
  };
  try {
    for (const pid of postgres) pin(pid, plan.edge);
    const middle = [world.pids.gateway, world.pids.agent, world.pids.pgbouncer, ...world.pids.floor, process.pid, ...(world.profiled ? [world.profiled.gateway.pid] : [])];
    for (const pid of middle) pin(pid, plan.middle);
  } catch (error) {
    restore();
    throw error;
  }
  log(`pgbench: pinned PostgreSQL (${postgres.length} processes) and pgbench to CPUs ${plan.edge}; gateway, agent, pgbouncer, floors and the forwarder to CPUs ${plan.middle}`);
  return { plan, restore };
}

async function countRecorded(databaseUrl: string): Promise<{ statements: number; sessions: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ statements: string; sessions: string }>(`SELECT count(*) FILTER (WHERE kind = 'statement') AS statements, count(DISTINCT session_id) AS sessions FROM session_events`);
    return { statements: Number(rows[0]?.statements ?? 0), sessions: Number(rows[0]?.sessions ?? 0) };
  } finally {
    await client.end();
  }
}
