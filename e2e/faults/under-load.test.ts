// Issue 15: each dependency failing under load, end to end on real processes. One gateway (on a
// Redis of the suite's own and on its control database through a relay the suite cuts), the
// agent, pgbench and HTTP load through the gateway, and per fault two people whose access ends
// while the fault lasts (one revoked, one whose grant expires), writing through the gateway all
// along. Then the four checks of support/fault-lab.ts: no grant outlives its end on any path,
// every ended session recorded once (and its recording verifies), the audit chain verifies, and
// the gateway recovered without a restart. `pnpm chaos` runs the same faults at random, longer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_NAMES, FaultLab } from '../support/fault-lab.js';

const FAULT_SECONDS = 6;

let lab: FaultLab;

beforeAll(async () => {
  lab = await FaultLab.start('faults');
  lab.load.start();
}, 180_000);

afterAll(async () => {
  await lab?.dispose();
});

describe('faults under load', () => {
  it.each(FAULT_NAMES)(
    '%s: no access outlives its end while it lasts',
    async (fault) => {
      const run = await lab.inject(fault, FAULT_SECONDS);
      expect(run.problems).toEqual([]);
      // The victims really wrote until their end: the checks above are not empty.
      for (const victim of run.victims) expect(victim.lastStatementAt ?? victim.lastEchoAt, JSON.stringify(victim)).toBeDefined();
    },
    60_000,
  );

  it('afterwards: every ended session is recorded once, the audit chain verifies, the gateway recovered without a restart, no caller got an internal error', async () => {
    const problems = await lab.afterChecks();
    expect(problems).toEqual([]);
    // Load ran through the faults: pgbench runs and HTTP answers on both sides of them.
    expect(lab.load.pgbench.filter((r) => r.code === 0).length).toBeGreaterThan(0);
    expect(lab.load.http.get('200') ?? 0).toBeGreaterThan(0);
  }, 120_000);
});
