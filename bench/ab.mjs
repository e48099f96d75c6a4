#!/usr/bin/env node
// Same-run A/B of two builds for the benches that start their own gateway and agent (pgbench,
// http, tunnel): `node bench/ab.mjs --base <rev> [--runs N] -- <bench options>`. This machine's
// noise is ±15 % between back-to-back runs of one build, so a before/after is only worth quoting
// when the runs alternate: base, this tree, base, this tree, … under the same load.
//
// The base is checked out as a git worktree under the system's temp folder (kept for the next
// call; `git worktree remove` it when done), installed offline from the store and built in full.
// Each run is `node bench/run.mjs <bench options>` in its tree; at the end the report of each
// run is listed with its goal lines. Never run in CI.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const split = process.argv.indexOf('--', 2);
const own = split === -1 ? process.argv.slice(2) : process.argv.slice(2, split);
const benchArgs = split === -1 ? [] : process.argv.slice(split + 1);
const { values } = parseArgs({ args: own, options: { base: { type: 'string' }, runs: { type: 'string', default: '2' }, help: { type: 'boolean' } } });

if (values.help || !values.base || benchArgs.length === 0) {
  console.log('usage: node bench/ab.mjs --base <git revision> [--runs N] -- <bench options, e.g. --only pgbench --quick>');
  process.exit(values.help ? 0 : 2);
}
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 10) {
  console.error('--runs: a whole number from 1 to 10');
  process.exit(2);
}

/** The bench writes each run's report to bench/results/<timestamp>/ (main.ts). */
function resultDirs(tree) {
  const root = path.join(tree, 'bench', 'results');
  return existsSync(root) ? readdirSync(root).map((name) => path.join(root, name)) : [];
}

function sh(command, args, cwd, capture = false) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: capture ? ['ignore', 'pipe', 'inherit'] : ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(`[ab] ${command} ${args.join(' ')} failed in ${cwd}`);
    process.exit(result.status ?? 1);
  }
  return capture ? result.stdout.trim() : '';
}

const commit = sh('git', ['rev-parse', '--verify', `${values.base}^{commit}`], repo, true);
const baseTree = path.join(os.tmpdir(), `jitgate-ab-${commit.slice(0, 12)}`);
if (!existsSync(path.join(baseTree, 'package.json'))) {
  console.log(`[ab] checking out ${commit.slice(0, 12)} in ${baseTree}`);
  sh('git', ['worktree', 'add', '--detach', baseTree, commit], repo);
}
console.log('[ab] installing and building the base (offline, from the store)');
sh('pnpm', ['install', '--frozen-lockfile', '--offline'], baseTree);
sh('pnpm', ['turbo', 'run', 'build', '--output-logs=errors-only'], baseTree);
console.log('[ab] building this tree');
sh('pnpm', ['turbo', 'run', 'build', '--output-logs=errors-only'], repo);

const reports = [];
for (let i = 1; i <= runs; i++) {
  for (const [label, tree] of [
    ['base', baseTree],
    ['this tree', repo],
  ]) {
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(`[ab] run ${i} of ${runs}, ${label} (${new Date().toISOString().slice(11, 19)} UTC, load average ${load})`);
    const before = new Set(resultDirs(tree));
    const out = spawnSync(process.execPath, [path.join(tree, 'bench', 'run.mjs'), ...benchArgs], { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
    const fresh = resultDirs(tree).filter((dir) => !before.has(dir) && existsSync(path.join(dir, 'report.md')));
    if (out.status !== 0 || fresh.length !== 1) {
      console.error(`[ab] the ${label} run failed (exit ${out.status}, ${fresh.length} new reports)`);
      process.exit(out.status || 1);
    }
    reports.push({ label, run: i, file: path.join(fresh[0], 'report.md') });
  }
}

console.log(`\n# A/B: base ${commit.slice(0, 12)} against this tree, ${runs} alternating run(s) each: ${benchArgs.join(' ')}\n`);
for (const { label, run, file } of reports) {
  const goals = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => /^- .*(goal|≥|≤)/i.test(line))
    .join('\n');
  console.log(`## run ${run}, ${label}: ${file}\n${goals || '(no goal lines in this report)'}\n`);
}
