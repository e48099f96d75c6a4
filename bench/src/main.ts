// `pnpm bench` (through bench/run.mjs): sets up a world, runs the in-process grant check, the
// write-path breakdown, the REST benches and the tunnel bench (pgbench and http only when named), optionally profiles one REST scenario, and writes a markdown report and the raw
// figures to bench/results/<timestamp>/. Options and environment: bench.config.ts.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig, type BenchConfig } from './bench.config.js';
import { renderProfile, summariseProfile } from './cpu-profile.js';
import { GATEWAY_MAIN, REPO_ROOT, type GatewayProcess } from './gateway-process.js';
import { renderGrantCheck, runGrantCheckBench, type GrantCheckResult } from './grant-check.bench.js';
import { machineFacts, renderMachine, type MachineFacts } from './machine.js';
import { runHttpBench, type HttpResult } from './http.bench.js';
import { renderHttp } from './http.report.js';
import { runPgBenchBench, type PgBenchResult } from './pgbench.bench.js';
import { renderPgBench } from './pgbench.report.js';
import { runRestBench, type RestResult } from './rest.bench.js';
import { renderComparison, renderRest } from './rest.report.js';
import { setUpWorld, type BenchWorld } from './setup.js';
import { runTunnelBench, type TunnelResult } from './tunnel.bench.js';
import { renderTunnel } from './tunnel.report.js';
import { renderSessionLeg, runSessionLegBench, type SessionLegRow } from './session-leg.bench.js';
import { renderWritePath, runWritePathBench, type WritePathRow } from './write-path.bench.js';

/**
 * Restarts the gateway under --cpu-prof, runs one REST scenario once (one window, so the profile
 * can be cut to it), stops the process so it writes the profile, and summarises it.
 */
/** The tunnel bench's gateway and agent profiles (`--tunnel-profile`), one summary each. */
function renderTunnelProfiles(dir: string, window: NonNullable<TunnelResult['profileWindow']>): string {
  return (['gateway', 'agent'] as const)
    .map((name) => {
      const sub = path.join(dir, name);
      const file = existsSync(sub) ? readdirSync(sub).find((f) => f.endsWith('.cpuprofile')) : undefined;
      const exitedAtEpochMs = name === 'gateway' ? window.gatewayExitedAt : window.agentExitedAt;
      const summary = file ? summariseProfile(path.join(sub, file), { fromEpochMs: window.fromEpochMs, toEpochMs: window.toEpochMs, exitedAtEpochMs }) : undefined;
      return `### ${name}\n\n${summary ? renderProfile(summary, 0) : 'No .cpuprofile was written.'}`;
    })
    .join('\n\n');
}

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
  // pgbench and http need one identity and seed their own connections.
  const world = await setUpWorld({ ...config, ...(config.only === 'pgbench' || config.only === 'http' ? { identities: 1, connections: 1 } : {}), log });
  let grantCheck: GrantCheckResult | null = null;
  let writePath: WritePathRow[] | null = null;
  let rest: RestResult | null = null;
  let candidate: RestResult | null = null;
  let profile: string | null = null;
  let tunnel: TunnelResult | null = null;
  let tunnelProfile: string | null = null;
  let fewer: RestResult | null = null;
  let sessionLeg: SessionLegRow[] | null = null;
  let pgbench: PgBenchResult | null = null;
  let http: HttpResult | null = null;
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
      // Replica 1 of the stock build is the world's gateway; the others are started from the same build.
      const replicasOf = async (main: string, first?: GatewayProcess) => {
        const gateways = first ? [first] : [];
        while (gateways.length < config.rest.replicas) gateways.push(await world.startExtraGateway(main));
        return gateways;
      };
      const targets = [{ name: 'stock', gateways: await replicasOf(GATEWAY_MAIN, world.gateway) }];
      if (config.candidate) targets.push({ name: 'candidate', gateways: await replicasOf(config.candidate) });
      // The same processes, fewer of them driven: taken in turn with the full set, never at once.
      if (config.rest.compareReplicas !== null) targets.push({ name: 'fewer', gateways: targets[0]!.gateways.slice(0, config.rest.compareReplicas) });
      const result = await runRestBench(world, { ...config.rest, targets, connections: config.rest.clients, cores: machine.cores, log });
      rest = { ...result, rows: result.rows.filter((r) => r.target === 'stock') };
      if (config.candidate) candidate = { ...result, rows: result.rows.filter((r) => r.target === 'candidate') };
      if (config.rest.compareReplicas !== null) fewer = { ...result, rows: result.rows.filter((r) => r.target === 'fewer') };
    }
    if (config.only === null || config.only === 'tunnel') {
      log('tunnel (gateway + agent + target, direct vs through jitgate)…');
      const profileDir = config.tunnel.profile ? path.join(outDir, 'tunnel-profile') : undefined;
      tunnel = await runTunnelBench(world, { ...config.tunnel, profileDir, searchPath: config.searchPath, cores: machine.cores, log });
      if (profileDir && tunnel.profileWindow) tunnelProfile = renderTunnelProfiles(profileDir, tunnel.profileWindow);
    }
    if (config.only === null || config.only === 'session-leg') {
      log('the session leg, HTTP/1.1 against frames (in process)…');
      sessionLeg = await runSessionLegBench({ ...config.sessionLeg, log });
    }
    // On demand only: it needs pgbouncer and takes ≈ 7 minutes.
    if (config.only === 'pgbench') {
      log('pgbench (direct / pgbouncer / jitgate, interleaved)…');
      pgbench = await runPgBenchBench(world, { ...config.pgbench, postgresUrl: config.postgresUrl, searchPath: config.searchPath, cores: machine.cores, log });
    }
    if (config.only === 'http') {
      log('http (direct / jitgate / jitgate with masking / gcs, interleaved)…');
      const profileDir = config.http.profile ? path.join(outDir, 'http-profile') : undefined;
      http = await runHttpBench(world, { ...config.http, profileDir, searchPath: config.searchPath, cores: machine.cores, log });
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
    rest
      ? `## REST under load (${config.rest.replicas} gateway process${config.rest.replicas > 1 ? 'es, clients split between them' : ''}; ${config.rest.durationSeconds} s per scenario and client count, in ${config.rest.rounds} interleaved rounds, after ${config.rest.warmupSeconds} s of warm-up)\n\n${renderRest(rest.rows)}`
      : '',
    rest?.auditChain ? `Audit chain after the write runs: ${rest.auditChain.ok ? 'intact' : 'BROKEN'} (${rest.auditChain.checked} events verified).` : '',
    candidate && rest
      ? `## Candidate build \`${config.candidate}\` against the stock one (same database, rounds interleaved)\n\n${renderComparison(rest.rows, candidate.rows)}\n\n${renderRest(candidate.rows)}`
      : '',
    fewer && rest
      ? `## ${config.rest.replicas} replicas against ${config.rest.compareReplicas} (the same processes, same run, rounds interleaved)\n\n${renderComparison(fewer.rows, rest.rows, { base: `${config.rest.compareReplicas} repl.`, other: `${config.rest.replicas} repl.` })}\n\n${renderRest(fewer.rows)}`
      : '',
    tunnel ? `## The tunnel: direct to the target vs through jitgate (gateway + agent on loopback)\n\n${renderTunnel(tunnel)}` : '',
    sessionLeg
      ? `## The session leg, in process: one request and its answer between the gateway's and the agent's ends of an HTTP session, without the tunnel (${config.sessionLeg.rounds} rounds, variants in turn)\n\n${renderSessionLeg(sessionLeg)}`
      : '',
    pgbench ? `## Postgres through the gateway: pgbench direct / pgbouncer / jitgate\n\n${renderPgBench(pgbench)}` : '',
    http ? `## HTTP through the gateway: direct / jitgate / jitgate with masking / gcs\n\n${renderHttp(http)}` : '',
    tunnelProfile ? `## CPU profiles of the tunnel's gateway and agent, cut to the bulk transfer through jitgate\n\n${tunnelProfile}` : '',
    profile ? `## CPU profile of the gateway: ${config.profile?.scenario}, ${config.profile?.clients} clients\n\n${profile}` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  writeFileSync(path.join(outDir, 'report.md'), `${report}\n`);
  writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify({ command, config, machine, loadAfter, grantCheck, writePath, rest, candidate, fewer, tunnel, sessionLeg, pgbench, http }, null, 2)}\n`);
  console.log(report);
  log(`written to ${path.relative(REPO_ROOT, outDir)}/report.md and results.json`);
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
