// Times analyzeSql on pgbench's tpcb-like statements: uncached, cached by exact text, and (as
// pgbench's default simple protocol sends them, a new number each time) cached by shape.
// Run after `pnpm build`: node scripts/measure-analyze.mjs. Figures are quoted in README.md.
import { analyzeSql, clearSqlGuardCache, initSqlGuard } from '../dist/index.js';

const PGBENCH = [
  'BEGIN',
  'UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2',
  'SELECT abalance FROM pgbench_accounts WHERE aid = $1',
  'UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2',
  'UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2',
  'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)',
  'END',
];
const ROUNDS = 20_000;

function time(label, fn) {
  for (let i = 0; i < 2_000; i++) fn(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) fn();
  const ns = Number(process.hrtime.bigint() - start) / ROUNDS / PGBENCH.length;
  console.log(`${label}: ${(ns / 1000).toFixed(2)} µs per statement`);
}

await initSqlGuard();
time('uncached', () => {
  clearSqlGuardCache();
  for (const sql of PGBENCH) analyzeSql(sql);
});
time('cached', () => {
  for (const sql of PGBENCH) analyzeSql(sql);
});
// Simple protocol: the parameters are literals, other ones in every statement.
let n = 0;
const literal = () => String((n = (n * 7919 + 104_729) % 1_000_000));
const SIMPLE = PGBENCH.map((sql) => () => sql.replace(/\$\d+/g, literal));
time('by shape (new literals each time)', () => {
  for (const make of SIMPLE) analyzeSql(make());
});
for (const sql of PGBENCH) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) {
    clearSqlGuardCache();
    analyzeSql(sql);
  }
  console.log(`  uncached ${(Number(process.hrtime.bigint() - start) / ROUNDS / 1000).toFixed(2)} µs  ${sql}`);
}
