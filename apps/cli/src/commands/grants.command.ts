// `jitgate grants`: your grants in force now (GET /v1/grants?active=true), as a table.
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { requireToken, type CliConfig } from '../config.js';
import type { CliContext, CommandRunner } from '../context.js';
import { EXIT_CODES } from '../errors.js';
import { formatDuration, formatTable, formatTime } from '../format.js';

export function registerGrants(program: Command, run: CommandRunner): void {
  program
    .command('grants')
    .description('list your grants that are in force now')
    .option('--json', 'print the grants as JSON')
    .action((options: { json?: boolean }) => run((config, ctx) => grants(options, config, ctx)));
}

export async function grants(options: { json?: boolean }, config: CliConfig, ctx: CliContext): Promise<number> {
  const api = new ApiClient({ baseUrl: config.apiUrl, token: requireToken(config), ...(ctx.fetch ? { fetch: ctx.fetch } : {}) });
  const items = await api.listActiveGrants();
  if (options.json) {
    ctx.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
    return EXIT_CODES.ok;
  }
  if (items.length === 0) {
    ctx.stdout.write('No active grants. Ask for one with: jitgate request <connection> --duration 30m --reason "…"\n');
    return EXIT_CODES.ok;
  }
  const now = ctx.clock.now();
  const rows = items.map((grant) => [grant.connection, grant.scope ?? '-', formatTime(grant.expiresAt), formatDuration(Date.parse(grant.expiresAt) - now), grant.id]);
  ctx.stdout.write(formatTable(['CONNECTION', 'SCOPE', 'EXPIRES', 'LEFT', 'GRANT'], rows));
  return EXIT_CODES.ok;
}
