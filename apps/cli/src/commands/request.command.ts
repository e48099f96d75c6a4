// `jitgate request <connection>`: ask for access (POST /v1/access-requests). Policy answers at
// once: approved (with the grant), denied (exit 3), or pending; with --wait, poll until approvers
// decide or the request expires.
import { accessRequestDecisionSchema, DEFAULT_PORTS, isHttpConnectionType, type AccessRequest } from '@jitgate/contracts';
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { requireToken, type CliConfig } from '../config.js';
import type { CliContext, CommandRunner } from '../context.js';
import { CliError, EXIT_CODES, printable, usageError } from '../errors.js';
import { describeExpiry, formatDuration, formatTime } from '../format.js';
import { assertConnectionName } from '../tunnel/handshake.js';

export interface RequestOptions {
  duration: string;
  reason: string;
  scope?: string;
  wait?: boolean;
  interval: string;
  json?: boolean;
}

/** Consecutive failed polls (gateway unreachable) tolerated while waiting. */
const MAX_POLL_FAILURES = 5;
/** The exit code of a wait stopped with Ctrl-C (128 + SIGINT), as shells report it. */
const EXIT_INTERRUPTED = 130;

export function registerRequest(program: Command, run: CommandRunner): void {
  program
    .command('request')
    .description('ask for access to a connection; policy approves, denies, or holds it for approvers')
    .argument('<connection>', 'connection name, e.g. orders-db')
    .requiredOption('--duration <duration>', 'how long you need access: 30m, 1h30m, 2d, or seconds')
    .requiredOption('--reason <text>', 'why you need it (approvers and the audit log see this)')
    .option('--scope <scope>', 'what the grant should allow, e.g. read-only (matched by policy)')
    .option('--wait', 'wait until the request is approved, denied or expires')
    .option('--interval <seconds>', 'seconds between checks with --wait', '2')
    .option('--json', 'print the final request as JSON')
    .action((connection: string, options: RequestOptions) => run((config, ctx) => request(connection, options, config, ctx)));
}

export async function request(connection: string, options: RequestOptions, config: CliConfig, ctx: CliContext): Promise<number> {
  assertConnectionName(connection);
  const intervalMs = parseInterval(options.interval);
  if (!options.reason.trim()) throw usageError('--reason must say why you need access');
  const api = new ApiClient({ baseUrl: config.apiUrl, token: requireToken(config), ...(ctx.fetch ? { fetch: ctx.fetch } : {}) });

  let current = await api.createAccessRequest({
    connection,
    duration: options.duration,
    reason: options.reason,
    ...(options.scope ? { scope: options.scope } : {}),
  });
  if (current.status === 'pending' && options.wait) {
    const waited = await waitForDecision(api, current, intervalMs, ctx);
    if (waited === 'interrupted') {
      ctx.stderr.write(`Stopped waiting; request ${current.id} is still pending.\n`);
      return EXIT_INTERRUPTED;
    }
    current = waited;
  }
  if (options.json) ctx.stdout.write(`${JSON.stringify(current, null, 2)}\n`);
  return report(current, options.json === true, ctx);
}

function report(req: AccessRequest, quiet: boolean, ctx: CliContext): number {
  const name = req.connection.name;
  const say = (line: string) => (quiet ? undefined : ctx.stdout.write(`${line}\n`));
  switch (req.status) {
    case 'approved': {
      const grant = req.grant;
      if (!grant) {
        say(`Request ${req.id} for ${name} is approved.`);
        return EXIT_CODES.ok;
      }
      const now = ctx.clock.now();
      const starts = Date.parse(grant.startsAt) > now ? `, starts ${formatTime(grant.startsAt)}` : '';
      say(`Request ${req.id} for ${name} approved: grant ${grant.id}${starts}, ${describeExpiry(grant.expiresAt, now)}.`);
      // A postgres connection is reached with any Postgres client, the token as password.
      if (req.connection.type === 'postgres') say(`Connect with: PGPASSWORD="$JITGATE_TOKEN" psql "host=<gateway> port=${DEFAULT_PORTS.postgres} dbname=${name} user=<you>"`);
      // HTTP connections: a local URL the client library uses as its API endpoint (docs/http.md).
      else if (req.connection.type && isHttpConnectionType(req.connection.type)) say(`Connect with: jitgate connect ${name}  (serves ${name} at a local URL: use it as the client's API endpoint)`);
      else say(`Connect with: jitgate connect ${name}`);
      return EXIT_CODES.ok;
    }
    case 'pending': {
      const groups = req.approverGroups.length ? ` from ${req.approverGroups.join(', ')}` : '';
      const expires = req.expiresAt ? `; it expires ${formatTime(req.expiresAt)} if nobody decides` : '';
      say(`Request ${req.id} for ${name} is pending: needs ${req.requiredApprovals} approval(s)${groups}${expires}.`);
      say('Run with --wait to wait for the decision, or check with: jitgate grants');
      return EXIT_CODES.ok;
    }
    case 'denied':
      throw new CliError('not_permitted', `request ${req.id} for ${name} was denied${describeDecision(req)}`);
    case 'expired':
      throw new CliError('not_permitted', `request ${req.id} for ${name} expired before it got ${req.requiredApprovals} approval(s)`);
    case 'cancelled':
      throw new CliError('not_permitted', `request ${req.id} for ${name} was cancelled`);
    default:
      throw new CliError('usage', `request ${req.id} for ${name} is in an unknown state`);
  }
}

async function waitForDecision(api: ApiClient, first: AccessRequest, intervalMs: number, ctx: CliContext): Promise<AccessRequest | 'interrupted'> {
  const started = ctx.clock.now();
  const tty = ctx.stderr.isTTY === true;
  let lastLine = '';
  const progress = (req: AccessRequest) => {
    const approved = req.approvals.filter((a) => a.decision === 'approve').length;
    const line = `Waiting for approval of ${first.id}: ${approved} of ${req.requiredApprovals}${req.approverGroups.length ? ` (${req.approverGroups.join(', ')})` : ''}`;
    if (tty) ctx.stderr.write(`\r\x1b[2K${line}, ${formatDuration(ctx.clock.now() - started)}`);
    else if (line !== lastLine) ctx.stderr.write(`${line}\n`);
    lastLine = line;
  };
  const clear = () => (tty ? ctx.stderr.write('\r\x1b[2K') : undefined);

  let current = first;
  let failures = 0;
  progress(current);
  while (current.status === 'pending') {
    if (await sleep(intervalMs, ctx.signal)) {
      clear();
      return 'interrupted';
    }
    try {
      current = await api.getAccessRequest(first.id);
      failures = 0;
    } catch (error) {
      if (!(error instanceof CliError) || error.kind !== 'unavailable' || ++failures >= MAX_POLL_FAILURES) {
        clear();
        throw error;
      }
    }
    progress(current);
  }
  clear();
  return current;
}

/** Resolves true when the signal fired first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function parseInterval(text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 3600) throw usageError(`--interval must be seconds between 0.1 and 3600, not "${text}"`);
  return Math.round(seconds * 1000);
}

/** `: rule "x" of policy "y" (reason)` from the decision the gateway stored, or nothing. */
function describeDecision(req: AccessRequest): string {
  const decision = accessRequestDecisionSchema.safeParse(req.decision);
  const denials = req.approvals.filter((a) => a.decision === 'deny').map((a) => a.approver);
  if (denials.length) return ` by ${denials.map((who) => printable(who, 80)).join(', ')}`;
  if (!decision.success) return '';
  const { rule, reason } = decision.data;
  const parts = [rule ? `by rule "${printable(rule.rule, 80)}" of policy "${printable(rule.policy, 80)}"` : 'by policy', reason ? printable(reason) : ''];
  return `: ${parts.filter(Boolean).join(': ')}`;
}
