// The report of a fault run (`pnpm chaos`, docs/operations.md): what was injected, how the load
// fared, what the victims could still do after their access ended, and the four checks.
import type { PgbenchRun } from './fault-load.js';
import type { FaultLab } from './fault-lab.js';

export interface ReportHeader {
  command: string;
  seed: number;
  seconds: number;
  startedAt: Date;
}

const median = (values: number[]): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

function pgbenchLine(runs: PgbenchRun[]): string {
  const ok = runs.filter((r) => r.code === 0);
  const tps = median(ok.map((r) => r.tps ?? 0));
  return `${runs.length} pgbench runs of 2 s (2 clients): ${ok.length} ended well (median ${tps?.toFixed(0) ?? '–'} tps), ${runs.length - ok.length} cut or refused by a fault`;
}

export function renderReport(lab: FaultLab, header: ReportHeader, afterProblems: string[]): string {
  const lines = [
    `### Chaos run of ${header.startedAt.toISOString().slice(0, 10)}`,
    '',
    `\`${header.command}\` — seed ${header.seed}, ${header.seconds} s of faults under load, one gateway (all modes) and one agent on a 2-core machine.`,
    '',
    '| # | fault | seconds | victim | ended by | last statement after its end | last echo after its end |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  lab.runs.forEach((run, i) => {
    for (const v of run.victims) {
      const after = (at: number | undefined, end: number) => (at === undefined ? 'none' : at > end ? `**${at - end} ms**` : `none (last ${end - at} ms before)`);
      lines.push(`| ${i + 1} | ${run.fault} | ${run.seconds} | ${v.who} | ${v.how} | ${after(v.lastStatementAt, v.endedBy.statements)} | ${after(v.lastEchoAt, v.endedBy.echo)} |`);
    }
  });
  const http = [...lab.load.http.entries()].sort((a, b) => b[1] - a[1]).map(([outcome, count]) => `${count} × ${outcome}`);
  const broken = [...lab.runs.flatMap((r) => r.problems), ...afterProblems];
  const check = (n: string, label: string) => {
    const found = broken.filter((p) => p.startsWith(`${n}:`) || (n === '1' && !/^[2-5]:/.test(p)));
    return `${n}. ${label}: ${found.length === 0 ? 'held' : `**broken** — ${found.join('; ')}`}`;
  };
  lines.push(
    '',
    `Load: ${pgbenchLine(lab.load.pgbench)}; HTTP through the gateway: ${http.join(', ') || 'none'}.`,
    '',
    'Checks:',
    '',
    check('1', 'no grant outlived its revocation or expiry (table above; read on the targets)'),
    check('2', 'every ended session has its end recorded once, and its recording verifies'),
    check('3', 'the audit chain verifies'),
    check('4', 'recovered without a restart (ready, pgbench and a new request work, same process)'),
    check('5', 'callers were told clearly: no HTTP 500 internal during the faults'),
    '',
  );
  return lines.join('\n');
}
