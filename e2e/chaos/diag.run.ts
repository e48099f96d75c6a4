import { sleep } from '@jitgate/testkit';
import { it } from 'vitest';
import { FaultLab } from '../support/fault-lab.js';

it('diag', async () => {
  const lab = await FaultLab.start('diag');
  try {
    lab.load.start();
    for (let i = 0; i < 6; i += 1) {
      await lab.inject('database-cut', 3);
      await sleep(2000);
    }
    const problems = await lab.afterChecks();
    console.log('PROBLEMS', JSON.stringify(problems, null, 1));
    console.log('HTTP', JSON.stringify([...lab.load.http.entries()]));
    const out = lab.pgs.stack.gateway
      .allOutput()
      .split('\n')
      .filter((l) => /"level":(40|50)/.test(l));
    const seen = new Map<string, number>();
    for (const line of out) {
      const m = /"msg":"([^"]*)"/.exec(line)?.[1] ?? line.slice(0, 120);
      const e = /"err":\{[^}]*"message":"([^"]{0,160})/.exec(line)?.[1] ?? /"err":"([^"]{0,160})/.exec(line)?.[1] ?? '';
      const key = `${m} | ${e}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    for (const [k, v] of seen) console.log('LOG', v, k);
  } finally {
    await lab.dispose();
  }
}, 600_000);
