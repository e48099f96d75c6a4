// The one place that reads process.env and process.argv (STYLE.md §3). The credential provider
// must read `env:NAME` references at use time rather than at start, so it gets its lookup from
// here too instead of touching process.env itself.
import { hostname } from 'node:os';
import { parseConfig, type ParsedCommandLine } from './config.schema.js';

export function loadCommandLine(): ParsedCommandLine {
  return parseConfig({ env: process.env, argv: process.argv.slice(2), hostname: hostname() });
}

/** Reads one variable of the agent's environment now (credentials are rotated by restarts or files). */
export function readEnvironmentVariable(name: string): string | undefined {
  return process.env[name];
}
