// The HTTP bench as markdown: per client count and body, each path's requests/s and latency
// beside its baseline of the same run (ratios, added latency), the CPU each process spent per
// request, issue 5's two goals, the token-minting count, and the profiles when taken.
import { renderProfile } from './cpu-profile.js';
import { baselineOf, type HttpResult, type HttpRow } from './http.bench.js';
import type { HttpPath } from './http.setup.js';
import { ms, perSecond, ratio, table } from './stats.js';

const LABELS: Record<HttpPath, string> = {
  direct: 'direct to the target (**baseline**)',
  jitgate: '**jitgate** (`http`, no guardrail)',
  'jitgate-masked': '**jitgate, masking** (JSON read whole, detectors)',
  'gcs-direct': 'gcs stand-in direct (**gcs baseline**)',
  'gcs-jitgate': '**jitgate `gcs`** (minted token, cached)',
  'floor-proxy': 'floor: one bare node:http proxy',
  'floor-proxies': 'floor: two bare node:http proxies in series',
};

const signed = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${ms(Math.abs(v))}` : 'n/a');
const size = (bytes: number) => (bytes >= 1024 ? `${Math.round(bytes / 1024)} KiB` : `${bytes} B`);

export function findRow(rows: HttpRow[], p: HttpPath, body: HttpRow['body'], clients: number): HttpRow | undefined {
  return rows.find((r) => r.path === p && r.body === body && r.clients === clients);
}

export function renderHttp(result: HttpResult): string {
  const { rows } = result;
  const baseOf = (r: HttpRow) => (r.path === baselineOf(r.path) ? undefined : findRow(rows, baselineOf(r.path), r.body, r.clients));
  const figures = table(
    ['body', 'clients', 'path', 'req/s', '÷ baseline', 'MiB/s', 'p50', 'p99', 'added p50', 'added p99', 'not 200'],
    rows.map((r) => {
      const base = baseOf(r);
      const bad = Object.entries(r.unexpected).map(([s, n]) => `${n}×${s}`);
      return [
        size(r.bodyBytes),
        String(r.clients),
        LABELS[r.path],
        perSecond(r.perSecond),
        base ? ratio(r.perSecond, base.perSecond) : '1.00×',
        ((r.perSecond * r.bodyBytes) / 2 ** 20).toFixed(1),
        ms(r.latency.p50Ms),
        ms(r.latency.p99Ms),
        base ? signed(r.latency.p50Ms - base.latency.p50Ms) : '',
        base ? signed(r.latency.p99Ms - base.latency.p99Ms) : '',
        [...bad, ...(r.errors ? [`${r.errors} errors`] : [])].join(', ') || '0',
      ];
    }),
  );
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
  const cpu = table(
    ['body', 'clients', 'path', 'gateway (kernel)', 'agent (kernel)', 'floor proxies', 'target', 'PostgreSQL (all)', 'Redis', 'load generator', 'other', 'machine busy'],
    rows.map((r) => {
      const c = r.cpuPerRequest;
      const through = r.path.includes('jitgate');
      return [
        size(r.bodyBytes),
        String(r.clients),
        r.path,
        through ? `${f(c.gateway)} (${f(c.gatewayKernel)})` : '',
        through ? `${f(c.agent)} (${f(c.agentKernel)})` : '',
        r.path.startsWith('floor') ? f(c.floor) : '',
        f(c.target),
        f(c.postgres),
        f(c.redis),
        f(c.client),
        f(c.other),
        `${Math.round(r.machineBusy * 100)}%`,
      ];
    }),
  );
  const { afterSetup, afterRuns, gcsRequests } = result.minting;
  const sections = [
    `${result.rounds} round(s) × ${Math.max(1, Math.round(result.durationSeconds / result.rounds))} s per path, body and client count, paths in turn within each round; autocannon keep-alive HTTP/1.1 clients in the bench process, one gateway session per client connection. Latency of every 200 response; req/s over the runs' wall time. "added" is against the row's baseline (direct for \`http\`, the stand-in direct for \`gcs\`).`,
    "`floor-proxy` and `floor-proxies` hold nothing of jitgate (`bench/src/floor.main.ts`): a bare `node:http` reverse proxy (a keep-alive upstream agent, the caller's `Authorization` replaced, bodies piped), one alone and two in series. Two in series are the least a Node gateway and a Node agent that each parse HTTP can cost on this machine: a goal below them is out of reach for this shape here, whatever jitgate does.",
    figures,
    'CPU per request (ms, from /proc; the gateway\'s and the agent\'s kernel share in brackets). The target process also holds the Google stand-ins; PostgreSQL counts every `postgres` process on the machine (the gateway records each request as a session event); "other" is busy CPU no group explains.',
    cpu,
    renderHttpGoals(result),
    `Token minting: the IAM stand-in had served ${afterSetup.iamGenerateAccessToken} GenerateAccessToken call(s) and the OAuth stand-in ${afterSetup.oauthTokens} token(s) after set-up (its readiness probes), and ${afterRuns.iamGenerateAccessToken} and ${afterRuns.oauthTokens} after all runs: **${afterRuns.iamGenerateAccessToken - afterSetup.iamGenerateAccessToken} mint(s) for ${gcsRequests.toLocaleString('en-US')} measured gcs requests** through jitgate, over many sessions (the agent's broker caches the token per account and scopes).`,
    `Recording: ${result.recorded.requests.toLocaleString('en-US')} request events in ${result.recorded.sessions.toLocaleString('en-US')} sessions (the measured requests through jitgate alone: ${result.recorded.expectedAtLeast.toLocaleString('en-US')}; warm-ups and probes make the rest).`,
  ];
  if (result.profiles.length > 0) {
    sections.push(
      "**Profiles** (`--profile http`): the gateway and the agent ran under `--cpu-prof` for the whole run, so the figures above carry the profiler's overhead; each profile below is cut to one extra run after the measured ones.",
    );
    for (const p of result.profiles) sections.push(`### ${p.process}: ${p.label}`, renderProfile(p.summary, p.requests));
  }
  return sections.join('\n\n');
}

export function renderHttpGoals(result: HttpResult): string {
  const clients = result.rows.map((r) => r.clients);
  const most = Math.max(...clients);
  const one = Math.min(...clients);
  const lines: string[] = [];
  /** The same figure for the floors of this run, so a goal can be read against what the shape allows. */
  const floors = (figure: (row: HttpRow) => string, count: number) => {
    const parts = (['floor-proxy', 'floor-proxies'] as const).flatMap((p) => {
      const row = findRow(result.rows, p, 'small', count);
      return row ? [`${p} ${figure(row)}`] : [];
    });
    return parts.length ? ` (the floors in this run: ${parts.join(', ')})` : '';
  };
  const d = findRow(result.rows, 'direct', 'small', most);
  const d1 = findRow(result.rows, 'direct', 'small', one);
  const share = (row: HttpRow) => (d ? `${((row.perSecond / d.perSecond) * 100).toFixed(0)} %` : 'n/a');
  const added = (row: HttpRow) => (d1 ? signed(row.latency.p50Ms - d1.latency.p50Ms) : 'n/a');
  for (const p of ['jitgate', 'jitgate-masked'] as const) {
    const j = findRow(result.rows, p, 'small', most);
    if (d && j) {
      const r = j.perSecond / d.perSecond;
      lines.push(`- ${p}: ≥ 50 % of direct requests/s (small body, ${most} clients): **${share(j)}** — ${r >= 0.5 ? '**met**' : '**missed**'}${p === 'jitgate' ? floors(share, most) : ''}`);
    }
    const j1 = findRow(result.rows, p, 'small', one);
    if (d1 && j1) {
      const a = j1.latency.p50Ms - d1.latency.p50Ms;
      lines.push(`- ${p}: ≤ 1 ms added p50 (small body, ${one} client${one > 1 ? 's' : ''}): **${added(j1)}** — ${a <= 1 ? '**met**' : '**missed**'}${p === 'jitgate' ? floors(added, one) : ''}`);
    }
  }
  return `Goals (issue 5; the goal is for \`jitgate\`, the masking rows are for information):\n\n${lines.join('\n')}`;
}
