// What a command may touch: the environment as main.ts read it, two output streams, a signal
// that fires on Ctrl-C, the clock, and fetch. Tests pass their own; nothing in src/ reaches for
// process.* except main.ts.
import type { CliConfig, ConfigFlags, Env } from './config.js';
import type { FetchFn } from './api-client.js';

export interface OutputStream {
  write(text: string): unknown;
  /** A terminal: progress lines may redraw themselves. */
  readonly isTTY?: boolean;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface CliContext {
  env: Env;
  stdout: OutputStream;
  stderr: OutputStream;
  /** Aborted on Ctrl-C (SIGINT) or SIGTERM: long-running commands stop cleanly. */
  signal: AbortSignal;
  clock: Clock;
  fetch?: FetchFn;
}

/** A command's body: gets the resolved config, returns the exit code (or throws a CliError). */
export type CommandAction = (config: CliConfig, ctx: CliContext) => Promise<number>;
/** Resolves the config (env, global flags, the command's own flags) and runs a command's body. */
export type CommandRunner = (action: CommandAction, flags?: ConfigFlags) => Promise<void>;
