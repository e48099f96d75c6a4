// The REST paths of the gateway process under many concurrent keep-alive clients (autocannon):
//   node-http  a bare node:http server answering the same body as /healthz: Node's own floor on
//              this machine (a second baseline: what Nest, express and the middlewares cost);
//   healthz  GET /healthz: the framework floor (no auth, no database), the baseline of the run;
//   me       GET /v1/identities/me: authenticated read (token lookup + identity read);
//   check    GET /v1/grants/check: authenticated grant check;
//   request  POST /v1/access-requests, auto-approved: the full write path (policy, request row,
//            grant row, three audit events under the chain lock, a BullMQ job).
// Requests rotate over every (identity, connection) pair, so the per-requester advisory lock is
// not what serialises the write path. With replicas (`--replicas N`), a target is N gateway
// processes on the same database and Redis prefix, each driven by its own autocannon instance
// with its share of the connections, all at once: req/s are summed, latencies pooled, and the
// bare floor runs as N servers the same way. Latencies are taken from every response (µs resolution),
// beside the CPU each process used and what the database connections were doing.
import { spawn, type ChildProcess } from 'node:child_process';
import { CpuMeter, pidsNamed, type CpuReport } from './cpu-meter.js';
import { ACTIVITY_CLASSES, PgActivitySampler, type ActivitySummary } from './pg-activity.js';
import type { GatewayProcess } from './gateway-process.js';
import { cannon } from './rest.cannon.js';
import { Api, type BenchWorld } from './setup.js';
import { ms, perSecond, summarise, type LatencySummary } from './stats.js';

export const SCENARIOS = ['node-http', 'healthz', 'me', 'check', 'request'] as const;
export type ScenarioKey = (typeof SCENARIOS)[number];

export interface RestOptions {
  connections: number[];
  /** Seconds of measurement per scenario and client count, split over `rounds` taken in turn. */
  durationSeconds: number;
  rounds: number;
  warmupSeconds: number;
  scenarios: ScenarioKey[];
  /**
   * The gateways measured, all on the bench database; default the world's one. With two (stock
   * and a candidate build), every round runs each scenario on both in turn: a same-run A/B.
   */
  targets?: RestTarget[];
  cores: number;
  log: (line: string) => void;
}

/** One build under test: its replicas (gateway processes on the same database), driven in parallel. */
export interface RestTarget {
  name: string;
  gateways: GatewayProcess[];
}

export interface RestRow {
  /** Which gateway served it ("stock" unless a candidate is compared). */
  target: string;
  /** Gateway processes (or bare floor servers) that served it in parallel. */
  replicas: number;
  scenario: ScenarioKey;
  connections: number;
  /** Responses with the expected status, per second of the run. */
  perSecond: number;
  ok: number;
  /** Responses with any other status, by status; connection errors and timeouts. */
  unexpected: Record<string, number>;
  errors: number;
  timeouts: number;
  latency: LatencySummary;
  cpu: CpuReport;
  activity: ActivitySummary;
  /** Wall-clock bounds of the measured run (epoch ms), to cut a CPU profile to it (one round only). */
  window: { fromEpochMs: number; toEpochMs: number };
}

export interface RestResult {
  rows: RestRow[];
  /** The audit chain verified after the write runs (null when the write path was not run). */
  auditChain: { ok: boolean; checked: number } | null;
}

export interface Scenario {
  key: ScenarioKey;
  label: string;
  method: 'GET' | 'POST';
  path: string;
  expect: number;
  /** Builds request k (rotating credentials and targets); absent for a fixed request. */
  build?: (k: number) => { path?: string; headers: Record<string, string>; body?: string };
}

export const SCENARIO_LABELS: Record<ScenarioKey, string> = {
  'node-http': 'bare `node:http` server (floor: Node alone)',
  healthz: '`GET /healthz` (baseline: no auth, no DB)',
  me: '`GET /v1/identities/me` (authenticated read)',
  check: '`GET /v1/grants/check`',
  request: '`POST /v1/access-requests` (auto-approved)',
};

function scenarios(world: BenchWorld): Record<ScenarioKey, Scenario> {
  const ids = world.identities;
  const conns = world.connections;
  // Request k: identity k mod N, connection (k div N) mod M: consecutive requests never share a requester lock.
  const pairOf = (k: number) => ({ identity: ids[k % ids.length]!, connection: conns[Math.floor(k / ids.length) % conns.length]! });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  return {
    'node-http': { key: 'node-http', label: SCENARIO_LABELS['node-http'], method: 'GET', path: '/healthz', expect: 200 },
    healthz: { key: 'healthz', label: SCENARIO_LABELS.healthz, method: 'GET', path: '/healthz', expect: 200 },
    me: { key: 'me', label: SCENARIO_LABELS.me, method: 'GET', path: '/v1/identities/me', expect: 200, build: (k) => ({ headers: bearer(pairOf(k).identity.token) }) },
    check: {
      key: 'check',
      label: SCENARIO_LABELS.check,
      method: 'GET',
      path: '/v1/grants/check',
      expect: 200,
      build: (k) => {
        const { identity, connection } = pairOf(k);
        return { path: `/v1/grants/check?connection=${connection}`, headers: bearer(identity.token) };
      },
    },
    request: {
      key: 'request',
      label: SCENARIO_LABELS.request,
      method: 'POST',
      path: '/v1/access-requests',
      expect: 201,
      build: (k) => {
        const { identity, connection } = pairOf(k);
        return {
          headers: { ...bearer(identity.token), 'content-type': 'application/json' },
          body: JSON.stringify({ connection, duration: '1h', reason: 'bench: the auto-approved write path' }),
        };
      },
    },
  };
}

// The bare floor server: what the gateway's /healthz answers, with nothing else in the way.
const FLOOR_SERVER = `
const http = require('node:http');
const body = JSON.stringify({ status: 'ok' });
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function startFloorServer(): Promise<{ child: ChildProcess; baseUrl: string; pid: number }> {
  const child = spawn(process.execPath, ['--input-type=commonjs', '-e', FLOOR_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the floor server exited with ${code}`)));
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8').trim()));
  });
  return { child, baseUrl: `http://127.0.0.1:${port}`, pid: child.pid as number };
}

interface Measured {
  latencies: number[];
  statuses: Record<string, number>;
  wallMs: number;
  errors: number;
  timeouts: number;
  cpu: CpuReport;
  activity: ActivitySummary;
  fromEpochMs: number;
  toEpochMs: number;
}

const sumRecords = (records: Array<Record<string, number>>) =>
  records.reduce<Record<string, number>>((acc, r) => {
    for (const [k, v] of Object.entries(r)) acc[k] = (acc[k] ?? 0) + v;
    return acc;
  }, {});

/** The rounds of one scenario as one row: samples pooled, times and CPU summed, activity averaged over all samples. */
function combine(target: string, replicas: number, scenario: ScenarioKey, connections: number, runs: Measured[]): RestRow {
  const wallMs = runs.reduce((a, r) => a + r.wallMs, 0);
  const latency = summarise(
    runs.flatMap((r) => r.latencies),
    wallMs,
  );
  const samples = runs.reduce((a, r) => a + r.activity.samples, 0);
  const mean = Object.fromEntries(ACTIVITY_CLASSES.map((c) => [c, samples ? runs.reduce((a, r) => a + r.activity.mean[c] * r.activity.samples, 0) / samples : 0])) as ActivitySummary['mean'];
  const cpu: CpuReport = {
    wallMs: runs.reduce((a, r) => a + r.cpu.wallMs, 0),
    cores: runs[0]?.cpu.cores ?? 1,
    byGroup: sumRecords(runs.map((r) => r.cpu.byGroup)),
    systemByGroup: sumRecords(runs.map((r) => r.cpu.systemByGroup)),
    clientMs: runs.reduce((a, r) => a + r.cpu.clientMs, 0),
    machineBusyMs: runs.reduce((a, r) => a + r.cpu.machineBusyMs, 0),
    otherMs: runs.reduce((a, r) => a + r.cpu.otherMs, 0),
  };
  return {
    target,
    replicas,
    scenario,
    connections,
    perSecond: latency.perSecond,
    ok: latency.count,
    unexpected: sumRecords(runs.map((r) => r.statuses)),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    timeouts: runs.reduce((a, r) => a + r.timeouts, 0),
    latency,
    cpu,
    activity: { samples, mean },
    window: { fromEpochMs: runs[0]?.fromEpochMs ?? 0, toEpochMs: runs[runs.length - 1]?.toEpochMs ?? 0 },
  };
}

/** Fails fast, before minutes of load, if a scenario would not do what it claims. */
async function probe(world: BenchWorld, gateway: GatewayProcess): Promise<void> {
  const identity = world.identities[0]!;
  const api = new Api(gateway.baseUrl, identity.token);
  const check = await api.call<{ allowed: boolean }>('GET', `/v1/grants/check?connection=${world.connections[0]}`, 200);
  if (!check.allowed) throw new Error('the probe grant check was denied: the seed is wrong');
  const created = await api.call<{ status: string; grant: unknown }>('POST', '/v1/access-requests', 201, { connection: world.connections[0], duration: '1h', reason: 'bench probe' });
  if (created.status !== 'approved' || !created.grant) throw new Error(`the probe access request was ${created.status}, not auto-approved with a grant`);
}

export async function runRestBench(world: BenchWorld, options: RestOptions): Promise<RestResult> {
  const targets = options.targets ?? [{ name: 'stock', gateways: [world.gateway] }];
  for (const target of targets) for (const gateway of target.gateways) await probe(world, gateway);
  const all = scenarios(world);
  const sampler = new PgActivitySampler(world.databaseUrl);
  await sampler.open();
  // The processes serving the scenario under way: the gateway replicas, or the bare floor servers.
  let serverPids = [world.gateway.pid];
  const meter = new CpuMeter(
    [
      { name: 'server', pids: async () => serverPids },
      { name: 'postgres', pids: () => sampler.backendPids() },
      { name: 'redis', pids: async () => pidsNamed('redis-server') },
    ],
    options.cores,
  );
  const rows: RestRow[] = [];
  const runs = new Map<string, Measured[]>();
  try {
    // Each scenario's time is split over rounds taken in turn (healthz, me, check, request,
    // healthz, …), so a burst of other work on a shared machine hits the baseline as much as
    // the paths compared with it.
    const seconds = Math.max(1, Math.round(options.durationSeconds / options.rounds));
    for (const connections of options.connections) {
      for (let round = 0; round < options.rounds; round++) {
        for (const [key, target] of options.scenarios.flatMap((k) => (k === 'node-http' ? [targets[0]!] : targets).map((t) => [k, t] as const))) {
          const scenario = all[key];
          const floors = key === 'node-http' ? await Promise.all(target.gateways.map(() => startFloorServer())) : null;
          try {
            const baseUrls = floors ? floors.map((f) => f.baseUrl) : target.gateways.map((g) => g.baseUrl);
            serverPids = floors ? floors.map((f) => f.pid) : target.gateways.map((g) => g.pid);
            if (options.warmupSeconds > 0 && (round === 0 || floors)) await cannon(baseUrls, scenario, connections, options.warmupSeconds);
            await meter.start();
            sampler.start();
            const fromEpochMs = Date.now();
            const run = await cannon(baseUrls, scenario, connections, seconds);
            const toEpochMs = Date.now();
            const activity = await sampler.stop();
            const cpu = await meter.stop();
            // Requests cut off at the end of a run are still finishing: let them, before the next one.
            await sampler.settle();
            const id = `${target.name}/${key}/${connections}`;
            runs.set(id, [...(runs.get(id) ?? []), { ...run, cpu, activity, fromEpochMs, toEpochMs }]);
          } finally {
            for (const floor of floors ?? []) floor.child.kill('SIGTERM');
          }
        }
      }
      for (const target of targets) {
        for (const key of options.scenarios) {
          const measured = runs.get(`${target.name}/${key}/${connections}`);
          if (!measured) continue;
          const row = combine(target.name, target.gateways.length, key, connections, measured);
          rows.push(row);
          const bad = Object.entries(row.unexpected).map(([status, n]) => `${n}×${status}`);
          options.log(
            `rest ${targets.length > 1 ? `${target.name} ` : ''}${key} c=${connections}: ${perSecond(row.perSecond)} req/s, p50 ${ms(row.latency.p50Ms)}, p99 ${ms(row.latency.p99Ms)}` +
              (bad.length || row.errors ? ` — UNEXPECTED ${bad.join(', ')} errors=${row.errors}` : ''),
          );
        }
      }
    }
  } finally {
    await sampler.close();
  }
  // Many concurrent audited writes must leave an intact chain: a faster path that forks it is no win.
  let auditChain: RestResult['auditChain'] = null;
  if (options.scenarios.includes('request')) {
    auditChain = await new Api(targets[0]!.gateways[0]!.baseUrl, world.adminToken).call<{ ok: boolean; checked: number }>('GET', '/v1/audit/verify', 200);
    options.log(`audit chain after the write runs: ${auditChain.ok ? 'intact' : 'BROKEN'}, ${auditChain.checked} events checked`);
    if (!auditChain.ok) throw new Error('the audit chain does not verify after the write runs');
  }
  return { rows, auditChain };
}
