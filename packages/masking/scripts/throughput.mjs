// Throughput of the hot path, for the figures in README.md: `pnpm build && pnpm bench`.
// One core, all detectors on; each case runs for about a second after a warm-up.
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { DETECTORS, compileMasker } from '../dist/index.js';

const b64url = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const masker = compileMasker({ columns: ['*password*'], detectors: [...DETECTORS] });

const cases = {
  'short, no match': ['Alice', 'ACME Corp', 'active', '2026-11-22', 'order #12345', 'San Francisco, CA', 'n/a', '42', 'user_name_17', 'pending'],
  'sentence, no match': [
    'Lorem ipsum dolor sit amet, consectetur adipiscing elit',
    'Shipped 3 items on 2026-11-22 10:30:00 via carrier 7 (tracking pending)',
    'Reminder: renew the subscription before the end of the month.',
  ],
  'short, match': ['bob@example.com', '4111 1111 1111 1111', '+44 20 7946 0958', '123-45-6789', `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: '1' })}.c2ln`],
  'sentence, one match': ['Order 8842 shipped to 1 Main St; contact bob@example.com or (415) 555-2671 for questions.'],
};

function bench(values, fn) {
  const deadline = performance.now() + 1000;
  let n = 0;
  for (let i = 0; i < 20_000; i++) fn(values[i % values.length]);
  const start = performance.now();
  while (performance.now() < deadline) {
    for (let i = 0; i < 1000; i++) fn(values[i % values.length]);
    n += 1000;
  }
  return n / ((performance.now() - start) / 1000);
}

const fmt = (x) => `${(x / 1e6).toFixed(2)} M/s`;
console.log(`node ${process.version}, ${process.arch}`);
for (const [name, values] of Object.entries(cases)) {
  console.log(`scanText  ${name.padEnd(22)} ${fmt(bench(values, (v) => masker.scanText(v)))}`);
}
const body = {
  rows: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `user ${i}`, email: `user${i}@example.com`, password: 'x', note: 'ok' })),
};
const perBody = bench([body], (b) => masker.maskJson(b, { paths: ['rows[*].note'] }));
console.log(`maskJson  20-row body (100 fields)    ${(perBody / 1e3).toFixed(1)} k bodies/s = ${fmt(perBody * 100)} fields`);
