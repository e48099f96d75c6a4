// The silence watchdog of `pnpm test`, against real child processes: a quiet one, a busy one and
// one that ends by itself.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { isRunning, runWatched } from './test-watchdog.mjs';

async function watched(script, silenceMs) {
  let output = '';
  const status = await runWatched(process.execPath, ['-e', script], { silenceMs, write: (text) => (output += text) });
  return { status, output };
}

test('stops a run that went quiet, after saying what its processes were doing', async () => {
  // The child prints its pid and a grandchild's, then both wait on timers forever.
  const script = `
    const { spawn } = require('node:child_process');
    const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    console.log('started', process.pid, grandchild.pid);
    setInterval(() => {}, 1000);`;
  const { status, output } = await watched(script, 1_500);
  assert.equal(status, 124);
  const [, child, grandchild] = output.match(/started (\d+) (\d+)/).map(Number);
  assert.match(output, /watchdog: nothing printed for 2 s/);
  // Both listed, sleeping (S), with their CPU time and command.
  for (const pid of [child, grandchild]) assert.match(output, new RegExp(`pid ${pid} \\(parent \\d+\\) state S.*s CPU: .*node`));
  assert.match(output, /watchdog: stopped the run/);
  // Gone by the time it says so.
  for (const pid of [child, grandchild]) assert.equal(isRunning(pid), false, `pid ${pid} still runs`);
});

test('shows the JavaScript stack of a process stuck in a loop, which no test timeout can interrupt', async () => {
  const script = `
    function spinForever() { for (;;) {} }
    console.log('spinning');
    spinForever();`;
  const { status, output } = await watched(script, 1_500);
  assert.equal(status, 124);
  assert.match(output, /state R/);
  assert.match(output, /at spinForever/);
});

test('passes on the output and status of a run that ends by itself', async () => {
  const { status, output } = await watched("console.log('out'); console.error('err'); process.exitCode = 3", 60_000);
  assert.equal(status, 3);
  assert.match(output, /out/);
  assert.match(output, /err/);
  assert.doesNotMatch(output, /watchdog/);
});

test('passes a Ctrl-C on to the run, which has a process group of its own', async () => {
  const wrapper = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
      import { runWatched } from ${JSON.stringify(new URL('./test-watchdog.mjs', import.meta.url).href)};
      const status = await runWatched(process.execPath, ['-e', 'console.log("inner", process.pid); setInterval(() => {}, 1000)'], { silenceMs: 60_000 });
      process.exit(status);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  wrapper.stdout.on('data', (chunk) => (output += chunk));
  while (!/inner (\d+)/.test(output)) await once(wrapper.stdout, 'data');
  const inner = Number(output.match(/inner (\d+)/)[1]);
  wrapper.kill('SIGINT');
  const [code] = await once(wrapper, 'exit');
  assert.equal(code, 130); // the run's status: ended by SIGINT
  assert.equal(isRunning(inner), false);
});
