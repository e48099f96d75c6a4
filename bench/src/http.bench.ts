// HTTP through the gateway (issue 5's goals): keep-alive HTTP/1.1 clients (autocannon, as in the
// REST bench) against the same local target directly and through jitgate (client → gateway HTTP
// port → tunnel session per client connection → agent → target), in the same run, paths taken in
// turn within each round so drift on a shared box hits all of them:
//   direct          client → target (the baseline);
//   jitgate         an `http` connection with no guardrail (bodies stream through);
//   jitgate-masked  the same target behind a masking guardrail (JSON bodies read whole, scanned);
//   gcs-direct      the Cloud Storage stand-in with a token it accepts (the gcs baseline);
//   gcs-jitgate     a `gcs` connection: the agent adds a token minted once through the IAM
//                   stand-in and cached — the stand-in's call count proves it;
//   floor-proxy     one bare node:http reverse proxy in front of the target (floor.main.ts);
//   floor-proxies   two of them in series: the least a Node gateway and a Node agent that each
//                   speak HTTP can cost, with nothing of jitgate in them.
// A small JSON body (≈ 200 B) for requests/s and latency, a 64 KiB one for throughput, at 1 client
// (latency) and at N (requests/s). Beside each: CPU per request of the gateway, the agent, the
// target process, PostgreSQL (the recording), Redis and the load generator (from /proc).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { CpuMeter, pidsNamed, type CpuReport } from './cpu-meter.js';
import { summariseProfile, type ProfileSummary } from './cpu-profile.js';
import { BODIES, type HttpTargetStats } from './http-target.shared.js';
import { HTTP_PATHS, setUpHttpWorld, type HttpBody, type HttpPath, type HttpWorld } from './http.setup.js';
import { cannon } from './rest.cannon.js';
import type { BenchWorld } from './setup.js';
import { ms, perSecond, summarise, type LatencySummary } from './stats.js';

export const HTTP_BODIES: readonly HttpBody[] = ['small', 'large'];
/** The gcs rows are about minting, not bytes: small body only. */
export const pathsFor = (body: HttpBody): readonly HttpPath[] => (body === 'small' ? HTTP_PATHS : HTTP_PATHS.filter((p) => !p.startsWith('gcs')));
/** The baseline each path is compared with. */
export const baselineOf = (p: HttpPath): HttpPath => (p.startsWith('gcs') ? 'gcs-direct' : 'direct');
const GROUPS = ['gateway', 'agent', 'target', 'floor', 'postgres', 'redis'] as const;
const SETTLE_MS = 300;

export interface HttpOptions {
  clients: number[];
  durationSeconds: number;
  rounds: number;
  warmupSeconds: number;
  /** When set, the gateway and the agent run under --cpu-prof; one more run of each profiled path at the end. */
  profileDir?: string;
  searchPath: string;
  cores: number;
  log: (line: string) => void;
}

export interface HttpRow {
  path: HttpPath;
  body: HttpBody;
  bodyBytes: number;
  clients: number;
  ok: number;
  perSecond: number;
  latency: LatencySummary;
  unexpected: Record<string, number>;
  errors: number;
  /** CPU ms per successful request, by group; `client` is this process (autocannon), `other` the rest of the machine. */
  cpuPerRequest: Record<(typeof GROUPS)[number] | 'gatewayKernel' | 'agentKernel' | 'client' | 'other', number>;
  /** Share of both cores busy during the runs. */
  machineBusy: number;
}

export interface HttpProfile {
  label: string;
  process: 'gateway' | 'agent';
  requests: number;
  summary: ProfileSummary;
}

export interface HttpResult {
  durationSeconds: number;
  rounds: number;
  rows: HttpRow[];
  /** The stand-ins' counters after set-up (its probes) and after every run. */
  minting: { afterSetup: HttpTargetStats; afterRuns: HttpTargetStats; gcsRequests: number };
  recorded: { requests: number; sessions: number; expectedAtLeast: number };
  profiles: HttpProfile[];
}

interface Measured {
  latencies: number[];
  statuses: Record<string, number>;
  wallMs: number;
  errors: number;
  cpu: CpuReport;
  fromEpochMs: number;
  toEpochMs: number;
}

function combine(p: HttpPath, body: HttpBody, clients: number, runs: Measured[]): HttpRow {
  const wallMs = runs.reduce((a, r) => a + r.wallMs, 0);
  const latency = summarise(
    runs.flatMap((r) => r.latencies),
    wallMs,
  );
  const ok = Math.max(1, latency.count);
  const sum = (of: (c: CpuReport) => number) => runs.reduce((a, r) => a + of(r.cpu), 0) / ok;
  const unexpected: Record<string, number> = {};
  for (const r of runs) for (const [status, n] of Object.entries(r.statuses)) unexpected[status] = (unexpected[status] ?? 0) + n;
  const cpuPerRequest = {
    ...Object.fromEntries(GROUPS.map((g) => [g, sum((c) => c.byGroup[g] ?? 0)])),
    gatewayKernel: sum((c) => c.systemByGroup['gateway'] ?? 0),
    agentKernel: sum((c) => c.systemByGroup['agent'] ?? 0),
    client: sum((c) => c.clientMs),
    other: sum((c) => c.otherMs),
  } as HttpRow['cpuPerRequest'];
  const busy = runs.reduce((a, r) => a + r.cpu.machineBusyMs, 0) / runs.reduce((a, r) => a + r.cpu.wallMs * r.cpu.cores, 0);
  return {
    path: p,
    body,
    bodyBytes: BODIES[body].length,
    clients,
    ok: latency.count,
    perSecond: latency.perSecond,
    latency,
    unexpected,
    errors: runs.reduce((a, r) => a + r.errors, 0),
    cpuPerRequest,
    machineBusy: busy,
  };
}

export async function runHttpBench(world: BenchWorld, options: HttpOptions): Promise<HttpResult> {
  const http: HttpWorld = await setUpHttpWorld(world, options.searchPath, options.log, options.profileDir);
  const meter = new CpuMeter(
    [
      { name: 'gateway', pids: async () => [http.pids.gateway] },
      { name: 'agent', pids: async () => [http.pids.agent] },
      { name: 'target', pids: async () => [http.pids.target] },
      { name: 'floor', pids: async () => http.pids.floor },
      { name: 'postgres', pids: async () => pidsNamed('postgres'), reapsItsOwn: true },
      { name: 'redis', pids: async () => pidsNamed('redis-server') },
    ],
    options.cores,
  );
  const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));
  const drive = async (p: HttpPath, body: HttpBody, clients: number, seconds: number) => {
    const e = http.endpoint(p, body);
    return cannon([e.baseUrl], { method: 'GET', path: e.path, headers: e.headers, expect: 200 }, clients, seconds);
  };
  const measure = async (p: HttpPath, body: HttpBody, clients: number, seconds: number): Promise<Measured> => {
    await meter.start();
    const fromEpochMs = Date.now();
    const run = await drive(p, body, clients, seconds);
    const toEpochMs = Date.now();
    const cpu = await meter.stop();
    // The clients' connections (the sessions) close: let the gateway and the agent end them before the next run.
    await sleep(SETTLE_MS);
    return { ...run, cpu, fromEpochMs, toEpochMs };
  };
  try {
    const afterSetup = await http.stats();
    const seconds = Math.max(1, Math.round(options.durationSeconds / options.rounds));
    const rows: HttpRow[] = [];
    for (const clients of options.clients) {
      const runs = new Map<string, Measured[]>();
      for (let round = 0; round < options.rounds; round++) {
        for (const body of HTTP_BODIES) {
          for (const p of pathsFor(body)) {
            if (round === 0 && options.warmupSeconds > 0) await drive(p, body, clients, options.warmupSeconds);
            const id = `${p}/${body}`;
            runs.set(id, [...(runs.get(id) ?? []), await measure(p, body, clients, seconds)]);
          }
        }
      }
      for (const body of HTTP_BODIES) {
        for (const p of pathsFor(body)) {
          const row = combine(p, body, clients, runs.get(`${p}/${body}`) ?? []);
          rows.push(row);
          const bad = Object.entries(row.unexpected).map(([status, n]) => `${n}×${status}`);
          options.log(
            `http ${p} ${body} c=${clients}: ${perSecond(row.perSecond)} req/s, p50 ${ms(row.latency.p50Ms)}, p99 ${ms(row.latency.p99Ms)}; gateway ${ms(row.cpuPerRequest.gateway)}, agent ${ms(row.cpuPerRequest.agent)} CPU/req` +
              (bad.length || row.errors ? ` — UNEXPECTED ${bad.join(', ')} errors=${row.errors}` : ''),
          );
        }
      }
    }
    const afterRuns = await http.stats();
    const gcsRequests = rows.filter((r) => r.path === 'gcs-jitgate').reduce((a, r) => a + r.ok, 0);
    options.log(`http: IAM GenerateAccessToken calls ${afterSetup.iamGenerateAccessToken} after set-up, ${afterRuns.iamGenerateAccessToken} after ${gcsRequests} measured gcs requests through jitgate`);

    // With --profile http: one more run each — jitgate at the fewest clients (latency) and at the
    // most (requests/s), the masked path with the large body (masking) — each its own window.
    const windows: Array<{ label: string; requests: number; fromEpochMs: number; toEpochMs: number }> = [];
    if (options.profileDir) {
      const [fewest, most] = [Math.min(...options.clients), Math.max(...options.clients)];
      const profiled = [
        ['jitgate', 'small', fewest],
        ['jitgate', 'small', most],
        ['jitgate-masked', 'large', most],
      ] as const;
      for (const [p, body, clients] of profiled.filter(([, , c], i) => i !== 1 || c !== fewest)) {
        const run = await measure(p, body, clients, seconds);
        windows.push({
          label: `${p}, ${body} body, ${clients} clients (${Math.round((run.latencies.length * 1000) / run.wallMs)} req/s)`,
          requests: run.latencies.length,
          fromEpochMs: run.fromEpochMs,
          toEpochMs: run.toEpochMs,
        });
      }
    }
    // The recording is written in batches: give the last ones time to land.
    await sleep(3_000);
    const recorded = await countRecorded(world.databaseUrl);
    const expectedAtLeast = rows.filter((r) => r.path.includes('jitgate')).reduce((a, r) => a + r.ok, 0);
    options.log(`http: ${recorded.requests} request events recorded in ${recorded.sessions} sessions (the measured requests through jitgate alone: ${expectedAtLeast})`);
    const exited = await http.stop();
    const profiles: HttpProfile[] = [];
    for (const proc of ['gateway', 'agent'] as const) {
      const dir = options.profileDir && path.join(options.profileDir, proc);
      const file = dir && existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.cpuprofile')) : undefined;
      if (!dir || !file) continue;
      const exitedAtEpochMs = proc === 'gateway' ? exited.gatewayExitedAt : exited.agentExitedAt;
      for (const w of windows) profiles.push({ label: w.label, process: proc, requests: w.requests, summary: summariseProfile(path.join(dir, file), { ...w, exitedAtEpochMs }, 20) });
    }
    return { durationSeconds: options.durationSeconds, rounds: options.rounds, rows, minting: { afterSetup, afterRuns, gcsRequests }, recorded: { ...recorded, expectedAtLeast }, profiles };
  } catch (error) {
    await http.stop();
    throw error;
  }
}

async function countRecorded(databaseUrl: string): Promise<{ requests: number; sessions: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ requests: string; sessions: string }>(
      `SELECT count(*) FILTER (WHERE kind = 'request') AS requests, count(DISTINCT session_id) FILTER (WHERE kind = 'request') AS sessions FROM session_events`,
    );
    return { requests: Number(rows[0]?.requests ?? 0), sessions: Number(rows[0]?.sessions ?? 0) };
  } finally {
    await client.end();
  }
}
