// `pnpm test`: `pnpm lint` first (Biome, then the typecheck: a lint failure stops the run before
// the suites), then every package's tests through turbo, one package at a time (the suites start
// real processes, and these machines have two cores), then the node tests of these scripts. All
// run under a silence watchdog (test-watchdog.mjs): a run that prints nothing for
// JITGATE_TEST_SILENCE_MINUTES (default 10; the slowest test file takes under a minute) is
// stopped, after printing what each of its processes was doing.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWatched } from './test-watchdog.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const minutes = Number(process.env.JITGATE_TEST_SILENCE_MINUTES ?? 10);
if (!(minutes > 0)) {
  console.error(`JITGATE_TEST_SILENCE_MINUTES must be a positive number of minutes, not "${process.env.JITGATE_TEST_SILENCE_MINUTES}"`);
  process.exit(2);
}
const silenceMs = minutes * 60_000;
const turbo = path.join(repo, 'node_modules', '.bin', 'turbo');
// turbo's own options (`pnpm test -- --filter=@jitgate/gateway`); pnpm hands on the `--` too.
const turboOptions = process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === '--'));

const steps = [
  ['pnpm', ['run', 'lint']],
  [turbo, ['run', 'test', '--concurrency=1', '--continue', ...turboOptions]],
  [process.execPath, ['--test', ...scriptTests()]],
];
for (const [command, args] of steps) {
  const status = await runWatched(command, args, { silenceMs, cwd: repo });
  if (status !== 0) process.exit(status);
}

function scriptTests() {
  return readdirSync(path.join(repo, 'scripts'))
    .filter((name) => name.endsWith('.test.mjs'))
    .sort()
    .map((name) => path.join('scripts', name));
}
