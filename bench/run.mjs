#!/usr/bin/env node
// `pnpm bench` at the root and `pnpm --filter @jitgate/bench bench` both land here: build the
// gateway and the bench with turbo (cached when nothing changed), then run bench/dist/main.js
// with the arguments given (`pnpm bench -- --help` lists them). Never run in CI.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const args = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--'));

const build = spawnSync('pnpm', ['turbo', 'run', 'build', '--filter=@jitgate/bench...', '--output-logs=errors-only'], {
  cwd: repo,
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (build.status !== 0) {
  console.error('[bench] the build failed');
  process.exit(build.status ?? 1);
}
const run = spawnSync(process.execPath, [path.join(here, 'dist', 'main.js'), ...args], { cwd: repo, stdio: 'inherit' });
process.exit(run.status ?? 1);
