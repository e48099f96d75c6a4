// `jitgate connect` for connections carried request by request (http, bigquery, gcs, cloudrun,
// mcp; docs/http.md): serve a local URL that forwards to the gateway's HTTP port, for as long as
// the grant is in force. The grant is followed as for TCP (GrantWatcher); when it ends, the
// listener closes and requests in progress are cut, as the gateway cuts them on its side.
import type { GrantCheck, HttpConnectionType } from '@jitgate/contracts';
import type { ApiClient } from '../api-client.js';
import { isLoopback, type CliConfig } from '../config.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT_CODES, printable } from '../errors.js';
import { describeExpiry, formatTime } from '../format.js';
import { HttpForwarder } from '../http/http-forwarder.js';
import { GrantWatcher, type GrantEnd } from '../tunnel/grant-watcher.js';

/** How each type's usual client is pointed at the local URL. */
const CLIENT_HINTS: Record<HttpConnectionType, (url: string) => string> = {
  bigquery: (url) => `e.g. new BigQuery({ projectId, apiEndpoint: '${url}' })`,
  gcs: (url) => `e.g. new Storage({ apiEndpoint: '${url}' })`,
  mcp: (url) => `e.g. the MCP server URL ${url}/<the server's path>`,
  cloudrun: (url) => `e.g. curl ${url}/<path>`,
  http: (url) => `e.g. curl ${url}/<path>`,
};

export interface HttpConnectSettings {
  connection: string;
  type: HttpConnectionType;
  token: string;
  bind: string;
  port: number;
  tls: boolean;
  ca: Buffer | undefined;
}

export async function connectHttp(settings: HttpConnectSettings, check: GrantCheck, api: ApiClient, config: CliConfig, ctx: CliContext): Promise<number> {
  const { connection, type } = settings;
  const say = (line: string) => ctx.stdout.write(`${line}\n`);
  const warn = (line: string) => ctx.stderr.write(`${line}\n`);
  const gateway = new URL(config.httpProxy.href);
  if (settings.tls) gateway.protocol = 'https:';

  let finish: (outcome: 'stopped' | GrantEnd) => void = () => {};
  const done = new Promise<'stopped' | GrantEnd>((resolve) => (finish = resolve));
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

  let warnedAuth = false;
  const forwarder = new HttpForwarder({
    bind: settings.bind,
    port: settings.port,
    gateway,
    connection,
    token: settings.token,
    ca: settings.ca,
    handlers: {
      answered: (method, path, status, code) => {
        // A refusal for want of a grant may mean it was revoked or released: look now.
        if (code === 'no_grant') watcher.checkNow();
        if (status === 401 && code === 'unauthenticated' && !warnedAuth) {
          warnedAuth = true;
          warn(`the gateway did not accept JITGATE_TOKEN (${method} ${printable(path, 120)}: 401 unauthenticated)`);
        }
      },
      failed: (method, path, reason) => warn(`${method} ${printable(path, 120)}: ${reason}`),
    },
  });
  const address = await forwarder.listen();
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  const local = `http://${host}:${address.port}`;
  const expiry = check.expiresAt ? `grant ${describeExpiry(check.expiresAt, ctx.clock.now())}` : 'grant in force';
  say(`Serving ${connection} (${type}) at ${local} — use it as the client's API endpoint (through ${gateway.origin}/c/${connection}; ${expiry}). Ctrl-C to stop.`);
  say(CLIENT_HINTS[type](local));
  if (!isLoopback(address.address)) warn(`warning: ${local} is not a loopback address: anyone who can reach it uses your grant`);

  if (ctx.signal.aborted) finish('stopped');
  ctx.signal.addEventListener('abort', () => finish('stopped'), { once: true });
  watcher.start();
  const outcome = await done;
  watcher.stop();
  const open = forwarder.activeRequests;
  await forwarder.close();
  const cut = open ? `: cut ${open} request(s) in progress` : '';
  if (outcome === 'stopped') {
    say(`Stopped${cut}.`);
    return EXIT_CODES.ok;
  }
  const what =
    outcome === 'expired' ? `the grant for ${connection} expired at ${watcher.expiresAt ? formatTime(watcher.expiresAt) : 'its end'}` : `the grant for ${connection} is no longer in force (revoked or released)`;
  throw new CliError('not_permitted', `${what}; stopped serving ${local}${cut}. Request a new grant and run jitgate connect again`);
}
