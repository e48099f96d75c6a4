// The REST bench's tables: throughput and latency beside the same-run baselines, where the CPU
// went, what the database connections were doing, and a candidate build against the stock one.
import { SCENARIO_LABELS, type RestRow } from './rest.bench.js';
import { ms, perSecond, ratio, table } from './stats.js';

const pct = (part: number, whole: number) => (whole > 0 && Number.isFinite(part) ? `${Math.round((part / whole) * 100)}%` : 'n/a');

export function renderRest(rows: RestRow[]): string {
  const baselineOf = (c: number) => rows.find((r) => r.scenario === 'healthz' && r.connections === c);
  const meOf = (c: number) => rows.find((r) => r.scenario === 'me' && r.connections === c);
  const main = table(
    ['endpoint', 'clients', 'req/s', 'p50', 'p99', 'req/s ÷ healthz', 'p50 ÷ healthz', 'req/s ÷ `/me`', 'non-2xx / errors'],
    rows.map((r) => {
      const base = baselineOf(r.connections);
      const me = meOf(r.connections);
      const bad = Object.values(r.unexpected).reduce((a, b) => a + b, 0);
      return [
        r.scenario === 'healthz' || r.scenario === 'node-http' ? `${SCENARIO_LABELS[r.scenario]}` : `**${SCENARIO_LABELS[r.scenario]}**`,
        String(r.connections),
        perSecond(r.perSecond),
        ms(r.latency.p50Ms),
        ms(r.latency.p99Ms),
        base ? ratio(r.perSecond, base.perSecond) : 'n/a',
        base ? ratio(r.latency.p50Ms, base.latency.p50Ms) : 'n/a',
        me ? ratio(r.perSecond, me.perSecond) : 'n/a',
        `${bad} / ${r.errors + r.timeouts}`,
      ];
    }),
  );
  const cpu = table(
    ['endpoint', 'clients', 'machine busy', 'server CPU/req', 'of which kernel', 'postgres CPU/req', 'redis CPU/req', 'client CPU/req', 'other (not ours)'],
    rows.map((r) => {
      const per = (cpuMs: number | undefined) => (r.ok > 0 && cpuMs !== undefined ? ms(cpuMs / r.ok) : 'n/a');
      const capacity = r.cpu.wallMs * r.cpu.cores;
      return [
        r.scenario,
        String(r.connections),
        pct(r.cpu.machineBusyMs, capacity),
        per(r.cpu.byGroup.server),
        pct(r.cpu.systemByGroup.server ?? Number.NaN, r.cpu.byGroup.server ?? Number.NaN),
        per(r.cpu.byGroup.postgres),
        per(r.cpu.byGroup.redis),
        per(r.cpu.clientMs),
        pct(r.cpu.otherMs, capacity),
      ];
    }),
  );
  const activity = table(
    ['endpoint', 'clients', 'running', 'waiting: audit chain lock', 'waiting: requester lock', 'idle in transaction', 'idle'],
    rows.map((r) => [
      r.scenario,
      String(r.connections),
      r.activity.mean.running.toFixed(1),
      r.activity.mean['chain-lock-wait'].toFixed(1),
      r.activity.mean['requester-lock-wait'].toFixed(1),
      r.activity.mean['idle-in-transaction'].toFixed(1),
      r.activity.mean.idle.toFixed(1),
    ]),
  );
  return [
    main,
    '**Where the CPU went** (CPU time per successful request; "server" is the gateway process, or the bare server for `node-http`; "machine busy" is the share of all cores in use; "other" is work on the box that is not this bench)\n\n' +
      cpu,
    "**What the gateway's database connections were doing** (mean number of pool connections in each state, sampled every 50 ms from `pg_stat_activity`)\n\n" + activity,
  ].join('\n\n');
}

/**
 * A candidate build beside the stock one (or N replicas beside fewer), same scenarios, same run:
 * ratios candidate ÷ stock.
 * The healthz row runs the same code in both builds: its ratio is the A/A noise of the run, and
 * a ratio elsewhere means little unless it stands clear of it. CPU per request, for a CPU-bound
 * server, is steadier than req/s on a shared machine.
 */
export function renderComparison(stock: RestRow[], candidate: RestRow[], names: { base: string; other: string } = { base: 'stock', other: 'candidate' }): string {
  const { base: s0, other: c0 } = names;
  return table(
    ['endpoint', 'clients', `${s0} req/s`, `${c0} req/s`, `${c0} ÷ ${s0}`, `${s0} p50`, `${c0} p50`, `p50 ${c0} ÷ ${s0}`, `server CPU/req ${s0} → ${c0}`, `CPU/req ${c0} ÷ ${s0}`],
    candidate.map((c) => {
      const s = stock.find((r) => r.scenario === c.scenario && r.connections === c.connections);
      const cpuPerRequest = (r: RestRow | undefined) => (r && r.ok > 0 ? (r.cpu.byGroup.server ?? Number.NaN) / r.ok : Number.NaN);
      const cpu = (r: RestRow | undefined) => ms(cpuPerRequest(r));
      return [
        SCENARIO_LABELS[c.scenario],
        String(c.connections),
        s ? perSecond(s.perSecond) : 'n/a',
        perSecond(c.perSecond),
        s ? ratio(c.perSecond, s.perSecond) : 'n/a',
        s ? ms(s.latency.p50Ms) : 'n/a',
        ms(c.latency.p50Ms),
        s ? ratio(c.latency.p50Ms, s.latency.p50Ms) : 'n/a',
        `${cpu(s)} → ${cpu(c)}`,
        ratio(cpuPerRequest(c), cpuPerRequest(s)),
      ];
    }),
  );
}
