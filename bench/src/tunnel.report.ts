// The tunnel bench's tables: bulk throughput, round-trip latency and idle-session memory, each
// through jitgate beside the direct path of the same run.
import { ms, ratio, table } from './stats.js';
import { OPEN_CONCURRENCY, ROUND_TRIP_BYTES, SETTLE_MS, type BulkRun, type TunnelResult } from './tunnel.bench.js';

export function renderTunnel(result: TunnelResult): string {
  const direct = result.bulk.find((b) => b.path === 'direct');
  const through = result.bulk.find((b) => b.path === 'jitgate');
  const cpuPerMb = (run: BulkRun, group: string) => ms((run.cpu.byGroup[group] ?? Number.NaN) / (run.bytes / 1024 / 1024));
  const bulkTable = table(
    ['path', 'MiB', 'seconds', 'MiB/s', 'MiB/s ÷ direct', 'gateway CPU/MiB', 'agent CPU/MiB', 'target CPU/MiB', 'bench (client) CPU/MiB', 'machine busy'],
    result.bulk.map((b) => [
      b.path === 'direct' ? 'direct to the target (baseline)' : '**through jitgate** (gateway → gRPC tunnel → agent)',
      String(b.bytes / 1024 / 1024),
      b.seconds.toFixed(2),
      b.mbPerSecond.toFixed(0),
      direct ? ratio(b.mbPerSecond, direct.mbPerSecond) : 'n/a',
      cpuPerMb(b, 'gateway'),
      cpuPerMb(b, 'agent'),
      cpuPerMb(b, 'target'),
      ms(b.cpu.clientMs / (b.bytes / 1024 / 1024)),
      `${Math.round((b.cpu.machineBusyMs / (b.cpu.wallMs * b.cpu.cores)) * 100)}%`,
    ]),
  );
  const { latency } = result;
  const latencyTable = table(
    ['path', 'round trips', 'p50', 'p95', 'p99', 'round trips/s (1 in flight)', 'p50 added by jitgate', 'p99 added by jitgate'],
    (['direct', 'jitgate'] as const).map((key) => {
      const s = latency[key];
      return [
        key === 'direct' ? 'direct to the echo server (baseline)' : '**through jitgate**',
        String(s.count),
        ms(s.p50Ms),
        ms(s.p95Ms),
        ms(s.p99Ms),
        s.perSecond.toFixed(0),
        key === 'direct' ? '' : ms(s.p50Ms - latency.direct.p50Ms),
        key === 'direct' ? '' : ms(s.p99Ms - latency.direct.p99Ms),
      ];
    }),
  );
  const { idle } = result;
  const perSession = (fromKb: number, toKb: number) => `${((toKb - fromKb) / idle.sessions).toFixed(1)} KiB`;
  const mib = (kb: number) => `${(kb / 1024).toFixed(1)} MiB`;
  const idleTable = table(
    ['process', 'RSS before', `with ${idle.sessions} idle sessions`, `with ${2 * idle.sessions}`, `per session, first ${idle.sessions}`, `per session, next ${idle.sessions}`, `per session, all ${2 * idle.sessions}`, 'readings (KiB): before / first / second'],
    (['gateway', 'agent'] as const).map((key) => {
      const p = idle[key];
      return [
        key,
        mib(p.beforeKb),
        mib(p.afterKb),
        mib(p.afterSecondKb),
        `**${perSession(p.beforeKb, p.afterKb)}**`,
        `**${perSession(p.afterKb, p.afterSecondKb)}**`,
        `**${((p.afterSecondKb - p.beforeKb) / (2 * idle.sessions)).toFixed(1)} KiB**`,
        [p.samplesBeforeKb, p.samplesAfterKb, p.samplesAfterSecondKb].map((s) => s.join(', ')).join(' / '),
      ];
    }),
  );
  return [
    `**Bulk**: one transfer each, after a 16 MiB warm-up on each path${direct && through ? `; through ÷ direct = **${ratio(through.mbPerSecond, direct.mbPerSecond)}** (goal ≥ 0.50×)` : ''}. CPU is per MiB moved, from /proc.\n\n${bulkTable}`,
    `**Request/response**: ${ROUND_TRIP_BYTES}-byte round trips, one in flight on one socket per path, Nagle off, ${latency.rounds} interleaved rounds; added p50 = **${ms(latency.jitgate.p50Ms - latency.direct.p50Ms)}** (goal ≤ 0.3 ms).\n\n${latencyTable}`,
    `**Idle sessions**: VmRSS of each process (median of 5 readings 400 ms apart) before, ${SETTLE_MS / 1000} s after opening ${idle.sessions} sessions that then send nothing, and after ${idle.sessions} more (goal < 64 KiB each). No GC is forced: RSS holds the garbage of the handshakes (each one authenticates, checks the grant, writes a session row and an audit event) until V8 collects it, and pages the allocator keeps afterwards, so a delta is an upper bound with GC noise of a few MiB either way. Opening the first batch, ${OPEN_CONCURRENCY} handshakes at a time: p50 ${ms(result.open.p50Ms)}, p99 ${ms(result.open.p99Ms)}, ${result.open.perSecond.toFixed(0)} sessions/s.\n\n${idleTable}`,
  ].join('\n\n');
}
