// The pgbench bench as markdown: per script and client count, each target's TPS and average
// latency over all rounds, against direct (TPS ratio, added latency), the CPU each process group
// spent per transaction, issue 4's two goals, and the profile when one was taken.
import { renderProfile } from './cpu-profile.js';
import { CLIENTS, SCRIPTS, STATEMENTS_PER_TRANSACTION, type PgBenchResult, type PgBenchRun, type PgScript } from './pgbench.bench.js';
import { TARGETS } from './pgbench.setup.js';
import { table } from './stats.js';

export interface PgAggregate {
  script: PgScript;
  clients: number;
  target: PgBenchRun['target'];
  transactions: number;
  failed: number;
  /** Mean of the rounds' TPS, and their range. */
  tps: number;
  tpsMin: number;
  tpsMax: number;
  /** Rounds' average latencies weighted by their transactions. */
  latencyMs: number;
  /** CPU ms per transaction. */
  cpuPerTx: { gateway: number; gatewayKernel: number; agent: number; agentKernel: number; pgbouncer: number; floor: number; postgres: number; pgbench: number; forwarder: number; other: number };
}

export function aggregate(runs: PgBenchRun[], script: PgScript, clients: number, target: PgBenchRun['target']): PgAggregate | null {
  const mine = runs.filter((r) => r.script === script && r.clients === clients && r.target === target);
  if (mine.length === 0) return null;
  const transactions = mine.reduce((s, r) => s + r.transactions, 0);
  const sum = (key: keyof PgBenchRun['cpu']) => mine.reduce((s, r) => s + r.cpu[key], 0) / Math.max(1, transactions);
  const tpsValues = mine.map((r) => r.tps);
  return {
    script,
    clients,
    target,
    transactions,
    failed: mine.reduce((s, r) => s + r.failed, 0),
    tps: tpsValues.reduce((a, b) => a + b, 0) / tpsValues.length,
    tpsMin: Math.min(...tpsValues),
    tpsMax: Math.max(...tpsValues),
    latencyMs: mine.reduce((s, r) => s + r.latencyMs * r.transactions, 0) / Math.max(1, transactions),
    cpuPerTx: {
      gateway: sum('gateway'),
      gatewayKernel: sum('gatewayKernel'),
      agent: sum('agent'),
      agentKernel: sum('agentKernel'),
      pgbouncer: sum('pgbouncer'),
      floor: sum('floor'),
      postgres: sum('postgres'),
      pgbench: sum('pgbench'),
      forwarder: sum('forwarder'),
      other: sum('other'),
    },
  };
}

const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const tps = (v: number) => Math.round(v).toLocaleString('en-US');

export function renderPgBench(result: PgBenchResult): string {
  const rows: string[][] = [];
  const cpuRows: string[][] = [];
  for (const script of SCRIPTS) {
    for (const clients of CLIENTS) {
      const direct = aggregate(result.runs, script, clients, 'direct');
      for (const target of TARGETS) {
        const a = aggregate(result.runs, script, clients, target);
        if (!a) continue;
        const base = target === 'direct';
        rows.push([
          `${script === 'select-only' ? '`-S`' : 'TPC-B-like'}`,
          String(clients),
          base ? `${target} (**baseline**)` : `**${target}**`,
          `${tps(a.tps)} (${tps(a.tpsMin)}–${tps(a.tpsMax)})`,
          direct ? `${fmt(a.tps / direct.tps, 2)}×` : 'n/a',
          `${fmt(a.latencyMs)} ms`,
          base || !direct ? '' : `${a.latencyMs - direct.latencyMs >= 0 ? '+' : ''}${fmt(a.latencyMs - direct.latencyMs)} ms`,
          a.failed ? String(a.failed) : '0',
        ]);
        const c = a.cpuPerTx;
        cpuRows.push([
          `${script === 'select-only' ? '`-S`' : 'TPC-B-like'}`,
          String(clients),
          target,
          target.startsWith('jitgate') ? `${fmt(c.gateway)} (${fmt(c.gatewayKernel)})` : '',
          target.startsWith('jitgate') ? `${fmt(c.agent)} (${fmt(c.agentKernel)})` : '',
          target === 'pgbouncer' ? fmt(c.pgbouncer) : target.startsWith('floor') ? `${fmt(c.floor)} (floor)` : '',
          fmt(c.postgres),
          fmt(c.pgbench),
          target === 'jitgate-tcp' ? fmt(c.forwarder) : '',
          fmt(c.other),
        ]);
      }
    }
  }
  const sections = [
    ...(result.pinned
      ? [
          `**Pinned** (\`--pgbench-pin\`): pgbench and every PostgreSQL process on CPUs ${result.pinned.edge}; jitgate's gateway and agent, pgbouncer, the floors and the bench's forwarder on CPUs ${result.pinned.middle}. Direct runs on the edge's CPUs alone; every other target has the middle's CPUs for itself.`,
        ]
      : []),
    `pgbench ${result.rounds} round(s) × ${result.durationSeconds} s per script, client count and target, targets in turn within each round (scale ${result.scale}, simple query protocol, \`-n\`: the vacuum and the history truncation pgbench would do run directly before every TPC-B-like run, unmeasured; 8 clients run with \`-j 2\`). TPS: the mean of the rounds (their range in brackets), without connection time; latency: pgbench's average, weighted over the rounds.`,
    '`jitgate-tcp` is the same database as a plain `tcp` connection through the same gateway and agent — the tunnel alone, no Postgres layer (no parse, no recording, no masking) — reached through a small forwarder in the bench process that does what `jitgate connect` does (one more loopback hop, its CPU in the "forwarder" column). `jitgate` minus `jitgate-tcp` is what the Postgres layer costs; `jitgate-tcp` minus direct is the relay (plus that hop).',
    "`floor-relays` and `floor-grpc` hold nothing of jitgate (`bench/src/floor.main.ts`): two bare Node TCP relays in series (each its own process, `pipe()` both ways), and a bare grpc-js tunnel — a gateway-like process that accepts the callers and an agent-like process that dials it and opens the database, every session multiplexed on one bidirectional call as raw messages (no protobuf, no authentication, no credit windows, no parse, no recording), with jitgate's HTTP/2 window and Nagle settings. They are the least a Node gateway and a Node agent can cost on this machine, and the least the same over grpc-js: a goal below them is out of reach for this shape here, whatever jitgate does.",
    table(['script', 'clients', 'target', 'TPS (range)', 'TPS ÷ direct', 'avg latency', 'added vs direct', 'failed tx'], rows),
    "CPU per transaction (ms, from /proc; the gateway's and the agent's kernel share in brackets — on loopback the sender's `writev` also runs the receiver's TCP stack): PostgreSQL counts every `postgres` process on the machine; \"other\" is busy CPU on the machine that no group (nor this process) explains.",
    table(['script', 'clients', 'target', 'gateway', 'agent', 'pgbouncer / floor', 'PostgreSQL', 'pgbench', 'forwarder', 'other'], cpuRows),
    renderGoals(result),
    `Recording: ${result.recorded.statements.toLocaleString('en-US')} statement events in ${result.recorded.sessions} sessions after the runs (the measured jitgate transactions alone account for ${result.recorded.expectedAtLeast.toLocaleString('en-US')}; warm-up, readiness probes and pgbench's own start-up queries make the rest).`,
  ];
  if (result.profile) {
    sections.push(
      `### CPU profile of the gateway: \`-S\`, 8 clients, ${result.durationSeconds} s on a second gateway under \`--cpu-prof\` (${tps(result.profile.run.tps)} TPS, ${fmt(result.profile.run.latencyMs)} ms; gateway ${fmt(result.profile.run.cpu.gateway / Math.max(1, result.profile.run.transactions))} ms CPU per transaction)`,
      renderProfile(result.profile.summary, result.profile.run.transactions),
    );
  }
  return sections.join('\n\n');
}

export function renderGoals(result: PgBenchResult): string {
  const lines: string[] = [];
  const of = (script: PgScript, clients: number, target: PgBenchRun['target']) => aggregate(result.runs, script, clients, target);
  /** The same figure for the floors of this run, so a goal can be read against what the shape allows. */
  const floors = (figure: (a: PgAggregate) => string, script: PgScript, clients: number) => {
    const parts = (['floor-relays', 'floor-grpc'] as const).flatMap((t) => {
      const a = of(script, clients, t);
      return a ? [`${t} ${figure(a)}`] : [];
    });
    return parts.length ? ` (the floors in this run: ${parts.join(', ')})` : '';
  };
  const s8 = of('select-only', 8, 'direct');
  const j8 = of('select-only', 8, 'jitgate');
  if (s8 && j8) {
    const share = (a: PgAggregate) => `${fmt((a.tps / s8.tps) * 100, 0)} %`;
    const r = j8.tps / s8.tps;
    lines.push(`- \`-S\` at 8 clients, jitgate ≥ 60 % of direct TPS: **${share(j8)}** — ${r >= 0.6 ? '**met**' : '**missed**'}${floors(share, 'select-only', 8)}`);
  }
  const s1 = of('select-only', 1, 'direct');
  const j1 = of('select-only', 1, 'jitgate');
  if (s1 && j1) {
    const added = (a: PgAggregate) => `+${fmt(a.latencyMs - s1.latencyMs)} ms`;
    lines.push(
      `- added latency ≤ 0.25 ms at 1 client (\`-S\`, one statement per transaction): **${added(j1)}** — ${j1.latencyMs - s1.latencyMs <= 0.25 ? '**met**' : '**missed**'}${floors(added, 'select-only', 1)}`,
    );
  }
  const t1 = { direct: of('tpcb-like', 1, 'direct'), jitgate: of('tpcb-like', 1, 'jitgate') };
  if (t1.direct && t1.jitgate) {
    const added = t1.jitgate.latencyMs - t1.direct.latencyMs;
    lines.push(
      `- TPC-B-like at 1 client: +${fmt(added)} ms per transaction, i.e. +${fmt(added / STATEMENTS_PER_TRANSACTION['tpcb-like'])} ms per statement (${STATEMENTS_PER_TRANSACTION['tpcb-like']} statements per transaction)`,
    );
  }
  return `Goals (issue 4):\n\n${lines.join('\n')}`;
}
