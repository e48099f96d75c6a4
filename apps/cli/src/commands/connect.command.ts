// `jitgate connect <connection>`: forward a local port to a connection through the gateway's
// client listener (docs/tunnel.md), or, for connections carried request by request (http,
// bigquery, gcs, cloudrun, mcp), serve a local URL that forwards to the gateway's HTTP port
// (docs/http.md, connect-http.ts). Checks the grant first, prints when it expires, and stops
// when it has expired without renewal or been revoked or released (exit 3).
import { readFile } from 'node:fs/promises';
import { DEFAULT_PORTS, isHttpConnectionType } from '@jitgate/contracts';
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { formatHostPort, isLoopback, parsePort, requireToken, type CliConfig } from '../config.js';
import type { CliContext, CommandRunner } from '../context.js';
import { CliError, EXIT_CODES, printable, usageError } from '../errors.js';
import { describeExpiry, formatBytes, formatTime } from '../format.js';
import { openGatewaySession } from '../tunnel/gateway-dialer.js';
import { assertConnectionName, noGrantMessage } from '../tunnel/handshake.js';
import { GrantWatcher, type GrantEnd } from '../tunnel/grant-watcher.js';
import { PortForwarder, type ForwarderHandlers, type SessionReport } from '../tunnel/port-forwarder.js';
import { connectHttp } from './connect-http.js';

export interface ConnectOptions {
  port: string;
  bind: string;
  proxy?: string;
  httpProxy?: string;
  tls?: boolean;
  ca?: string;
  once?: boolean;
}

/** How long sessions may take to end after the grant ended before we close them ourselves. */
const GRANT_END_GRACE_MS = 5_000;

type Outcome = 'stopped' | 'once' | GrantEnd;

export function registerConnect(program: Command, run: CommandRunner): void {
  program
    .command('connect')
    .description(
      "forward a local port to a connection through the gateway, for as long as your grant is in force; for http, bigquery, gcs, cloudrun and mcp connections, serve a local URL to use as the client's API endpoint",
    )
    .argument('<connection>', 'connection name, e.g. orders-db')
    .option('--port <port>', 'local port to listen on; 0 picks a free one and prints it', '0')
    .option('--bind <address>', 'local address to listen on', '127.0.0.1')
    .option('--proxy <host:port>', `the gateway's client listener for TCP connections (default: JITGATE_PROXY, or the host of JITGATE_URL with port ${DEFAULT_PORTS.client})`)
    .option('--http-proxy <url>', `the gateway's HTTP port for HTTP connections (default: JITGATE_HTTP_PROXY, or http://<host of JITGATE_URL>:${DEFAULT_PORTS.http})`)
    .option('--tls', 'use TLS to the gateway (its client listener, or its HTTP port)')
    .option('--ca <file>', 'PEM file of a CA to trust for TLS, besides the system ones')
    .option('--once', 'serve one local connection, then exit (TCP connections)')
    .action((connection: string, options: ConnectOptions) => run((config, ctx) => connect(connection, options, config, ctx), { proxy: options.proxy, httpProxy: options.httpProxy }));
}

export async function connect(connection: string, options: ConnectOptions, config: CliConfig, ctx: CliContext): Promise<number> {
  assertConnectionName(connection);
  const token = requireToken(config);
  const port = parsePort(options.port, '--port', { allowZero: true });
  const ca = options.ca ? await readCa(options.ca) : undefined;
  const api = new ApiClient({ baseUrl: config.apiUrl, token, ...(ctx.fetch ? { fetch: ctx.fetch } : {}) });
  const say = (line: string) => ctx.stdout.write(`${line}\n`);
  const warn = (line: string) => ctx.stderr.write(`${line}\n`);

  const check = await api.checkGrant(connection);
  if (!check.allowed) throw new CliError('not_permitted', noGrantMessage(connection));
  // The type decides the mode. A connection we cannot see is left to the listener to refuse.
  const type = (await api.findConnection(connection))?.type;
  if (type && isHttpConnectionType(type)) {
    const tls = options.tls === true || config.httpProxy.protocol === 'https:';
    if (ca && !tls) throw usageError('--ca needs --tls (or an https:// --http-proxy)');
    if (options.once) throw usageError(`--once is for TCP connections; ${connection} is a ${type} connection`);
    return connectHttp({ connection, type, token, bind: options.bind, port, tls, ca }, check, api, config, ctx);
  }
  if (ca && !options.tls) throw usageError('--ca needs --tls');

  let finish: (outcome: Outcome) => void = () => {};
  const done = new Promise<Outcome>((resolve) => (finish = resolve));
  const watcher = new GrantWatcher(
    api,
    connection,
    ctx.clock,
    {
      renewed: (expiresAt) => say(`Grant for ${connection} renewed: ${describeExpiry(expiresAt, ctx.clock.now())}`),
      ended: (how) => finish(how),
      warn,
    },
    check.expiresAt,
  );

  const handlers: ForwarderHandlers = {
    opened: (n, client, sessionId) => say(`[${n}] ${client} connected: session ${printable(sessionId, 80)}`),
    refused: (n, client, error) => {
      warn(`[${n}] ${client} refused: ${error.message}`);
      if (error.kind === 'not_permitted') watcher.checkNow();
    },
    closed: (report) => {
      say(describeClose(report, watcher.expiresAt, ctx.clock.now()));
      // Before its expiry, a session the gateway ended may mean the grant was revoked or released.
      if (report.endedBy === 'gateway') watcher.checkNow();
    },
  };
  const forwarder = new PortForwarder({
    bind: options.bind,
    port,
    once: options.once === true,
    dial: () => openGatewaySession({ proxy: config.proxy, connection, token, tls: options.tls ? (ca ? { ca } : {}) : undefined }),
    handlers,
  });
  const address = await forwarder.listen();
  const local = formatHostPort({ host: address.address, port: address.port });
  const expiry = check.expiresAt ? `grant ${describeExpiry(check.expiresAt, ctx.clock.now())}` : 'grant in force';
  say(`Forwarding ${local} → ${connection} through ${formatHostPort(config.proxy)}${options.tls ? ' (TLS)' : ''} (${expiry}). Ctrl-C to stop.`);
  if (!isLoopback(address.address)) warn(`warning: ${local} is not a loopback address: anyone who can reach it uses your grant`);

  if (ctx.signal.aborted) finish('stopped');
  ctx.signal.addEventListener('abort', () => finish('stopped'), { once: true });
  void forwarder.onceDone.then(() => finish('once'));
  watcher.start();
  const outcome = await done;
  watcher.stop();

  switch (outcome) {
    case 'stopped': {
      const open = forwarder.activeSessions;
      await forwarder.close();
      say(`Stopped${open ? `: closed ${open} open session(s)` : ''}.`);
      return EXIT_CODES.ok;
    }
    case 'once': {
      await forwarder.close();
      const result = await forwarder.onceDone;
      return 'refused' in result ? result.refused.exitCode : EXIT_CODES.ok;
    }
    case 'expired':
    case 'ended': {
      forwarder.stopAccepting();
      // The gateway closes the grant's sessions itself; give it a moment, then close any left.
      await forwarder.drain(GRANT_END_GRACE_MS);
      await forwarder.close();
      const what =
        outcome === 'expired'
          ? `the grant for ${connection} expired at ${watcher.expiresAt ? formatTime(watcher.expiresAt) : 'its end'}`
          : `the grant for ${connection} is no longer in force (revoked or released)`;
      throw new CliError('not_permitted', `${what}; the gateway ended the session(s). Request a new grant and run jitgate connect again`);
    }
    default:
      return EXIT_CODES.usage;
  }
}

function describeClose(report: SessionReport, expiresAt: string | null, now: number): string {
  const bytes = `${formatBytes(report.sent)} sent, ${formatBytes(report.received)} received`;
  const expired = expiresAt !== null && now >= Date.parse(expiresAt) - 2_000;
  let why: string;
  switch (report.endedBy) {
    case 'gateway':
      why = expired ? `the gateway ended the session: the grant expired at ${formatTime(expiresAt)}` : 'closed by the gateway';
      break;
    case 'client':
      why = 'closed by the local client';
      break;
    case 'stopped':
      why = 'closed by jitgate connect';
      break;
    default:
      why = 'closed';
  }
  return `[${report.n}] ${why} (${bytes})${report.error && report.endedBy !== 'stopped' ? `: ${report.error}` : ''}`;
}

async function readCa(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw usageError(`cannot read --ca ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}`);
  }
}
