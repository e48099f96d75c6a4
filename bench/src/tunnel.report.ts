// The tunnel bench's tables: bulk throughput, round-trip latency and idle-session memory, each
// through jitgate beside the direct path of the same run.
import { ms, ratio, table } from './stats.js';
import { OPEN_CONCURRENCY, ROUND_TRIP_BYTES, SETTLE_MS, type BulkRun, type MemoryReading, type TunnelResult } from './tunnel.bench.js';

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
  const mib = (kb: number) => `${(kb / 1024).toFixed(1)} MiB`;
  const js = (r: MemoryReading) => r.heapUsedKb + r.externalKb;
  const per = (from: number, to: number, n: number) => `${((to - from) / n).toFixed(1)} KiB`;
  const idleTable = table(
    [
      'process',
      'measure (after forced GC)',
      'before',
      `with ${idle.sessions} idle sessions`,
      `with ${2 * idle.sessions}`,
      `per session, first ${idle.sessions}`,
      `per session, next ${idle.sessions}`,
      `per session, all ${2 * idle.sessions}`,
    ],
    (['gateway', 'agent'] as const).flatMap((key) => {
      const p = idle[key];
      const row = (label: string, of: (r: MemoryReading) => number, bold: boolean) => {
        const b = (text: string) => (bold ? `**${text}**` : text);
        return [
          key,
          label,
          mib(of(p.before)),
          mib(of(p.after)),
          mib(of(p.afterSecond)),
          b(per(of(p.before), of(p.after), idle.sessions)),
          b(per(of(p.after), of(p.afterSecond), idle.sessions)),
          b(per(of(p.before), of(p.afterSecond), 2 * idle.sessions)),
        ];
      };
      return [row('JS heap used + external', js, true), row('of which ArrayBuffers', (r) => r.arrayBuffersKb, false), row('RSS', (r) => r.rssKb, false)];
    }),
  );
  return [
    `**Bulk**: one transfer each, after a 16 MiB warm-up on each path${direct && through ? `; through ÷ direct = **${ratio(through.mbPerSecond, direct.mbPerSecond)}** (goal ≥ 0.50×)` : ''}. CPU is per MiB moved, from /proc.\n\n${bulkTable}`,
    `**Request/response**: ${ROUND_TRIP_BYTES}-byte round trips, one in flight on one socket per path, Nagle off, ${latency.rounds} interleaved rounds; added p50 = **${ms(latency.jitgate.p50Ms - latency.direct.p50Ms)}** (goal ≤ 0.3 ms).\n\n${latencyTable}`,
    `**Idle sessions**: each process's memory right after a forced full GC (\`--expose-gc\` and the bench's preload \`bench/preload/gc-probe.cjs\`, triggered by SIGUSR2) before, ${SETTLE_MS / 1000} s after opening ${idle.sessions} sessions that then send nothing, and after ${idle.sessions} more (goal < 64 KiB each). "JS heap used + external" is what the sessions hold (objects, Buffers, sockets' C++ handles); RSS also keeps pages the allocator does not give back, so its delta is noisier. Opening the first batch, ${OPEN_CONCURRENCY} handshakes at a time: p50 ${ms(result.open.p50Ms)}, p99 ${ms(result.open.p99Ms)}, ${result.open.perSecond.toFixed(0)} sessions/s.\n\n${idleTable}`,
  ].join('\n\n');
}
