// `pnpm chaos` (issue 15): random faults from support/fault-lab.ts for CHAOS_SECONDS (default
// 120) under pgbench and HTTP load, each lasting 2–8 s with 2–6 s of calm between them, then the
// four checks; prints the report and writes it to CHAOS_REPORT (default chaos-report.md in the
// working directory). CHAOS_SEED replays a run. A run vitest drives (vitest.chaos.config.ts), so
// that it reuses the e2e support as it is; it fails when a check does.
import { writeFileSync } from 'node:fs';
import { sleep } from '@jitgate/testkit';
import { expect, it } from 'vitest';
import { FAULT_NAMES, FaultLab } from '../support/fault-lab.js';
import { renderReport } from '../support/fault-report.js';

const seconds = Number(process.env.CHAOS_SECONDS ?? 120);
const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded generator, so that a run can be replayed. */
function generator(start: number): () => number {
  let state = start >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

it(
  `chaos for ${seconds} s (seed ${seed})`,
  async () => {
    const random = generator(seed);
    const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
    const startedAt = new Date();
    const lab = await FaultLab.start('chaos');
    try {
      lab.load.start();
      while (Date.now() - startedAt.getTime() < seconds * 1000) {
        const fault = FAULT_NAMES[Math.floor(random() * FAULT_NAMES.length)] ?? 'redis-killed';
        await lab.inject(fault, between(2, 8));
        await sleep(between(2, 6) * 1000);
      }
      const afterProblems = await lab.afterChecks();
      const report = renderReport(lab, { command: `CHAOS_SECONDS=${seconds} CHAOS_SEED=${seed} pnpm chaos`, seed, seconds, startedAt }, afterProblems);
      const path = process.env.CHAOS_REPORT ?? 'chaos-report.md';
      writeFileSync(path, report);
      console.log(`\n${report}\n(written to ${path})`);
      expect([...lab.runs.flatMap((r) => r.problems), ...afterProblems]).toEqual([]);
    } finally {
      await lab.dispose();
    }
  },
  (seconds + 600) * 1000,
);
