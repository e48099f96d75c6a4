// Builds the command tree and turns every outcome into an exit code. One file per command under
// commands/; each registers itself and gets its config through the runner, so a new command is
// one file and one line here.
import { Command, CommanderError } from 'commander';
import { registerConnect } from './commands/connect.command.js';
import { registerGrants } from './commands/grants.command.js';
import { registerRequest } from './commands/request.command.js';
import { registerWhoami } from './commands/whoami.command.js';
import { loadConfig } from './config.js';
import type { CliContext, CommandRunner } from './context.js';
import { CliError, EXIT_CODES, printable } from './errors.js';

export const CLI_VERSION = '0.1.0';

const COMMANDS = [registerWhoami, registerRequest, registerGrants, registerConnect];

export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  let exitCode: number = EXIT_CODES.ok;
  const program = new Command('jitgate')
    .description('jitgate: just-in-time access. Settings: JITGATE_URL, JITGATE_TOKEN, JITGATE_PROXY, JITGATE_HTTP_PROXY.')
    .version(CLI_VERSION, '-V, --version')
    .option('--url <url>', 'REST API of the gateway (default: JITGATE_URL, or http://localhost:8080)')
    .showSuggestionAfterError()
    .addHelpText('after', '\nExit codes: 0 ok, 1 usage or other error, 2 no or rejected token, 3 not permitted or no grant, 4 gateway, agent or target unavailable.')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => ctx.stderr.write(text),
    });

  const run: CommandRunner = async (action, flags = {}) => {
    const globals = program.opts<{ url?: string }>();
    exitCode = await action(loadConfig(ctx.env, { url: globals.url, ...flags }), ctx);
  };
  for (const register of COMMANDS) register(program, run);
  // Subcommands inherit the program's exit and output behaviour only when set before they exist;
  // set it on each so a usage error in `jitgate connect` is also reported, not thrown past us.
  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => ctx.stderr.write(text),
    });
  }

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    if (error instanceof CliError) {
      ctx.stderr.write(`jitgate: ${error.message}\n`);
      return error.exitCode;
    }
    // A bug, not a user error: say so in one line; the stack goes only where asked for.
    ctx.stderr.write(`jitgate: unexpected error: ${printable(error instanceof Error ? error.message : String(error))}\n`);
    if (ctx.env.JITGATE_DEBUG === '1' && error instanceof Error && error.stack) ctx.stderr.write(`${error.stack}\n`);
    return EXIT_CODES.usage;
  }
}
