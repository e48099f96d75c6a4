// One request from the gateway, sent on to the target and its response streamed back: both
// bodies flow through pipe() (backpressure, never buffered whole), the response as it arrives
// (SSE, chunked downloads). Refusals and failures before the response begins are JSON errors
// (http-forward-error.ts); a failure after it began resets the exchange (the gateway then cuts
// the caller's connection), so that a truncated body cannot pass for a complete one. Tokens go
// into the upstream Authorization header only; nothing here logs a header.
import http, { type ClientRequest } from 'node:http';
import https from 'node:https';
import type { GatewayRequest, GatewayResponse } from '@jitgate/http-session';
import type { Clock } from '../clock.js';
import type { SecretValue } from '../credentials/secret-value.js';
import type { Logger } from '../logging/logger.js';
import { HttpForwardError, sendForwardError, upstreamError } from './http-forward-error.js';
import { downstreamResponseHeaders, refusalOf, relativeLocation, upstreamPath, upstreamRequestHeaders } from './http-headers.js';
import type { HttpTarget } from './http-target.js';

export interface ForwardContext {
  target: HttpTarget;
  /** The keep-alive agent for the target's scheme. */
  agent: http.Agent;
  /** The token for this request (minted per request from the broker's cache); throws HttpForwardError. */
  bearer(): Promise<SecretValue | undefined>;
  grantExpiresAtUnixMs: number;
  clock: Clock;
  /** How long a new connection to the target may take. */
  connectTimeoutMs: number;
  /** How long the target may stay silent before its response headers (reset by upload progress). */
  responseTimeoutMs: number;
  logger: Logger;
  /** Upstream requests in flight: the dialer destroys them when the session ends. */
  inFlight: Set<ClientRequest>;
}

export async function forwardRequest(req: GatewayRequest, res: GatewayResponse, ctx: ForwardContext): Promise<void> {
  const refusal = refusalOf(req);
  if (refusal) return refuse(req, res, new HttpForwardError('bad_request', refusal), ctx);
  if (ctx.clock.now() >= ctx.grantExpiresAtUnixMs) return refuse(req, res, new HttpForwardError('no_grant', "the session's grant has ended"), ctx);
  let bearer: SecretValue | undefined;
  try {
    bearer = await ctx.bearer();
  } catch (error) {
    if (error instanceof HttpForwardError) return refuse(req, res, error, ctx);
    throw error;
  }
  // The session may have ended while the token was minted.
  if (res.destroyed) return;
  const { target } = ctx;
  let upstream: ClientRequest;
  try {
    upstream = (target.protocol === 'https:' ? https : http).request({
      agent: ctx.agent,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: upstreamPath(target.basePath, req.url),
      headers: upstreamRequestHeaders(req, target.host, bearer?.reveal()),
    });
  } catch {
    // Node's own checks of the path and header values (a token with a newline, say).
    return refuse(req, res, new HttpForwardError('bad_request', 'the request cannot be forwarded (invalid path or header value)'), ctx);
  }
  const started = ctx.clock.now();
  ctx.inFlight.add(upstream);
  upstream.once('close', () => ctx.inFlight.delete(upstream));
  limitConnect(upstream, ctx);
  // Idle time before the response: counts from the last byte either way, so a long upload is fine.
  upstream.setTimeout(ctx.responseTimeoutMs, () => upstream.destroy(new HttpForwardError('target_timeout', `${target.origin} did not answer within ${seconds(ctx.responseTimeoutMs)}`)));

  upstream.once('response', (answer) => {
    // From here the stream lasts as long as the target sends (SSE); the grant end bounds it.
    upstream.setTimeout(0);
    try {
      const headers = downstreamResponseHeaders(answer.rawHeaders);
      const location = headers['location'];
      if (typeof location === 'string') headers['location'] = relativeLocation(location, target.origin, target.basePath);
      res.writeHead(answer.statusCode ?? 502, headers);
    } catch {
      answer.destroy();
      return sendForwardError(res, new HttpForwardError('target_unreachable', `${target.origin} sent a response header the agent cannot relay`));
    }
    answer.pipe(res);
    answer.once('close', () => {
      if (!answer.complete) res.destroy();
    });
    res.once('finish', () => ctx.logger.debug({ method: req.method, status: answer.statusCode, ms: ctx.clock.now() - started }, 'request forwarded'));
  });
  upstream.once('error', (error) => {
    req.unpipe(upstream);
    if (res.destroyed) return;
    const failure = upstreamError(error, target.origin);
    ctx.logger.warn({ method: req.method, code: failure.code, reason: failure.message }, 'request not forwarded');
    // Discard what is left of the body so that the session's connection stays usable.
    req.resume();
    sendForwardError(res, failure);
  });
  res.once('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  // An upload the gateway gave up half-way (a RESET, possibly after the answer was complete)
  // can never be finished: the target's connection must not wait for the rest.
  req.once('close', () => {
    if (!req.readableEnded) upstream.destroy();
  });
  req.pipe(upstream);
}

function refuse(req: GatewayRequest, res: GatewayResponse, error: HttpForwardError, ctx: ForwardContext): void {
  ctx.logger.warn({ method: req.method, code: error.code, reason: error.message }, 'request refused');
  req.resume();
  if (!res.destroyed) sendForwardError(res, error);
}

/** A new connection to the target must be up within connectTimeoutMs; a kept-alive one is already. */
function limitConnect(upstream: ClientRequest, ctx: ForwardContext): void {
  upstream.once('socket', (socket) => {
    if (!socket.connecting) return;
    const timer = setTimeout(() => upstream.destroy(new HttpForwardError('target_timeout', `${ctx.target.origin} did not accept a connection within ${seconds(ctx.connectTimeoutMs)}`)), ctx.connectTimeoutMs);
    const clear = (): void => clearTimeout(timer);
    socket.once('connect', clear);
    upstream.once('close', clear);
  });
}

const seconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
