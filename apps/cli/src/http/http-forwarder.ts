// The local side of `jitgate connect` for HTTP connections (docs/http.md): a reverse proxy on the
// user's machine that official clients use as their API endpoint. Every request goes to the
// gateway's HTTP port as `/c/<connection><path>` with the caller's jitgate token in place of
// whatever Authorization the client sent; bodies stream both ways (stream.pipeline: backpressure,
// no buffering, SSE and chunked answers pass as they come), over one keep-alive agent. Pinned by
// test/connect-http.test.ts.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline } from 'node:stream';
import tls from 'node:tls';
import { httpRoutePath, JITGATE_ERROR_HEADER } from '@jitgate/contracts';
import { describeSocketCode } from '../api-client.js';
import { CliError, printable } from '../errors.js';

export interface HttpForwarderHandlers {
  /** The gateway answered; `errorCode` is its `x-jitgate-error` header on a refusal. */
  answered(method: string, path: string, status: number, errorCode: string | undefined): void;
  /** The gateway could not be reached (the client got a 502) or broke off mid-answer. */
  failed(method: string, path: string, reason: string): void;
}

export interface HttpForwarderOptions {
  bind: string;
  port: number;
  /** The gateway's HTTP port (origin). */
  gateway: URL;
  connection: string;
  token: string;
  /** Extra CA (PEM) to trust for an https gateway, besides the system's. */
  ca?: Buffer | undefined;
  handlers: HttpForwarderHandlers;
}

/** Headers that belong to one hop (RFC 9110 §7.6.1), and credentials the gateway must not see from the local client. */
const DROPPED_REQUEST_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'authorization', 'host']);
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'trailer', 'transfer-encoding', 'upgrade']);

interface Exchange {
  local: http.IncomingMessage;
  upstream: http.ClientRequest | undefined;
}

export class HttpForwarder {
  private readonly server: http.Server;
  private readonly agent: http.Agent;
  private readonly exchanges = new Set<Exchange>();
  private closed = false;

  constructor(private readonly options: HttpForwarderOptions) {
    const secure = options.gateway.protocol === 'https:';
    // One agent for the life of the command: connections to the gateway are reused.
    this.agent = secure ? new https.Agent({ keepAlive: true, ...(options.ca ? { ca: [...tls.rootCertificates, options.ca.toString('utf8')] } : {}) }) : new http.Agent({ keepAlive: true });
    this.server = http.createServer((req, res) => this.forward(req, res));
    // Upgrades (WebSocket) and CONNECT are refused by the agent anyway (docs/http.md): say so.
    const refuse = (_req: http.IncomingMessage, socket: Socket) => socket.end('HTTP/1.1 501 Not Implemented\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    this.server.on('upgrade', refuse);
    this.server.on('connect', refuse);
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error & { code?: string }) => {
        const where = `${this.options.bind}:${this.options.port}`;
        if (error.code === 'EADDRINUSE') reject(new CliError('usage', `cannot listen on ${where}: the port is in use (choose another with --port, or --port 0)`));
        else if (error.code === 'EADDRNOTAVAIL') reject(new CliError('usage', `cannot listen on ${where}: no such local address (--bind)`));
        else reject(new CliError('usage', `cannot listen on ${where}: ${printable(error.message)}`));
      };
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.bind, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Requests being proxied now. */
  get activeRequests(): number {
    return this.exchanges.size;
  }

  /** Stops listening and cuts every request in progress, local and upstream, at once. */
  async close(): Promise<void> {
    this.closed = true;
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const exchange of this.exchanges) {
      exchange.upstream?.destroy();
      exchange.local.socket.destroy();
    }
    this.server.closeAllConnections();
    this.agent.destroy();
    await done;
  }

  private forward(local: http.IncomingMessage, res: http.ServerResponse): void {
    const method = local.method ?? 'GET';
    const path = local.url ?? '/';
    if (this.closed) {
      local.socket.destroy();
      return;
    }
    // Origin-form only: an absolute URL would make this a forward proxy to anywhere.
    if (!path.startsWith('/')) {
      this.reply(res, 400, 'bad_request', `jitgate connect serves paths of ${this.options.connection} only, not "${printable(path, 80)}"`);
      return;
    }
    const exchange: Exchange = { local, upstream: undefined };
    this.exchanges.add(exchange);
    res.once('close', () => {
      this.exchanges.delete(exchange);
      // The local client went away before the answer was complete: stop the gateway's work too.
      if (!res.writableFinished) exchange.upstream?.destroy();
    });

    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(local.headers)) if (value !== undefined && !DROPPED_REQUEST_HEADERS.has(name)) headers[name] = value;
    headers.authorization = `Bearer ${this.options.token}`;
    const gateway = this.options.gateway;
    const request = (gateway.protocol === 'https:' ? https : http).request({
      protocol: gateway.protocol,
      hostname: gateway.hostname.replace(/^\[|\]$/g, ''),
      port: gateway.port || (gateway.protocol === 'https:' ? 443 : 80),
      method,
      path: httpRoutePath(this.options.connection, path),
      headers,
      agent: this.agent,
    });
    exchange.upstream = request;

    request.once('response', (answer) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name)) out[name] = value;
      if (typeof out.location === 'string') out.location = this.localLocation(out.location, local);
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
      // Send the headers now: a server-sent event stream must reach the client before its first event.
      res.flushHeaders();
      const code = answer.headers[JITGATE_ERROR_HEADER];
      this.options.handlers.answered(method, path, answer.statusCode ?? 0, typeof code === 'string' ? code : undefined);
      pipeline(answer, res, (error) => {
        if (error && !this.closed && !res.destroyed) this.options.handlers.failed(method, path, `the gateway broke off the answer: ${describe(error)}`);
        if (error) res.destroy();
      });
    });
    // The request body streams as it comes (pipe: backpressure). Not pipeline(): it would destroy
    // the local request on an upstream error, and with it the socket the 502 must go back on.
    local.pipe(request);
    local.once('aborted', () => request.destroy());
    let failed = false;
    request.on('error', (error: Error & { code?: string }) => {
      if (failed || this.closed) return;
      failed = true;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (res.destroyed) return; // the local client has gone; nobody to tell
      local.unpipe(request);
      local.resume();
      const reason = `cannot reach the gateway's HTTP port at ${gateway.origin}: ${describe(error)}`;
      this.options.handlers.failed(method, path, reason);
      this.reply(res, 502, 'gateway_unreachable', `jitgate connect ${reason}`);
    });
  }

  /**
   * A Location the gateway gives in its own terms (`<gateway>/c/<connection>/…`, or that path
   * alone), e.g. a Cloud Storage resumable session URI, is rewritten to this local URL, so the
   * client's next request comes back through here. Other locations pass unchanged.
   */
  private localLocation(location: string, local: http.IncomingMessage): string {
    const prefix = httpRoutePath(this.options.connection, '/');
    const origin = this.options.gateway.origin;
    const path = location.startsWith(`${origin}${prefix}`) ? location.slice(origin.length) : location.startsWith(prefix) ? location : undefined;
    if (path === undefined) return location;
    return `http://${local.headers.host ?? `${this.options.bind}:${this.options.port}`}${path.slice(prefix.length - 1)}`;
  }

  private reply(res: http.ServerResponse, status: number, code: string, message: string): void {
    if (res.headersSent || res.destroyed) return;
    const body = JSON.stringify({ error: { code, message } });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), [JITGATE_ERROR_HEADER]: code });
    res.end(body);
  }
}

function describe(error: Error & { code?: string }): string {
  if (error.code?.startsWith('ERR_TLS') || error.code?.includes('CERT') || error.code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
    return `TLS: ${printable(error.message)} (trust its CA with --ca or NODE_EXTRA_CA_CERTS)`;
  }
  return error.code ? describeSocketCode(error.code) : printable(error.message);
}
