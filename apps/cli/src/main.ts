#!/usr/bin/env node
// The `jitgate` executable: the one place that touches process.*. Ctrl-C (or SIGTERM) asks the
// running command to stop cleanly; a second one exits at once.
import { runCli } from './cli.js';
import { systemClock } from './context.js';

const interrupt = new AbortController();
const onSignal = () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: interrupt.signal,
  clock: systemClock,
});
// Let stdout drain (a pipe may be slow), then leave even if a socket lingers.
process.exitCode = code;
process.stdout.write('', () => process.exit(code));
