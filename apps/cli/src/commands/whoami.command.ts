// `jitgate whoami`: the identity the token belongs to (GET /v1/identities/me).
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { requireToken, type CliConfig } from '../config.js';
import type { CliContext, CommandRunner } from '../context.js';
import { EXIT_CODES } from '../errors.js';

export function registerWhoami(program: Command, run: CommandRunner): void {
  program
    .command('whoami')
    .description('show the identity JITGATE_TOKEN belongs to')
    .option('--json', 'print the identity as JSON')
    .action((options: { json?: boolean }) => run((config, ctx) => whoami(options, config, ctx)));
}

export async function whoami(options: { json?: boolean }, config: CliConfig, ctx: CliContext): Promise<number> {
  const api = new ApiClient({ baseUrl: config.apiUrl, token: requireToken(config), ...(ctx.fetch ? { fetch: ctx.fetch } : {}) });
  const me = await api.whoami();
  if (options.json) {
    ctx.stdout.write(`${JSON.stringify(me, null, 2)}\n`);
    return EXIT_CODES.ok;
  }
  const name = me.displayName ? `${me.subject} (${me.displayName})` : me.subject;
  ctx.stdout.write(
    [
      `${name}: ${me.kind} identity ${me.id}${me.disabled ? ' [disabled]' : ''}`,
      `issuer: ${me.issuer}`,
      `groups: ${me.groups.length ? me.groups.join(', ') : '(none)'}`,
      `gateway: ${config.apiUrl.origin}`,
    ].join('\n') + '\n',
  );
  return EXIT_CODES.ok;
}
