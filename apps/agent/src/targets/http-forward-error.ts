// The one error type of forwarding an HTTP request at the agent, with its code, mapped once to
// the status and JSON body the gateway relays (docs/http.md: `x-jitgate-error: <code>`,
// `{"error":{"code","message"}}`). Messages name the target's origin and what failed, never a
// header value, token or credential.
import { AGENT_HTTP_ERRORS, JITGATE_ERROR_HEADER, type AgentHttpErrorCode } from '@jitgate/contracts';
import type { GatewayResponse } from '@jitgate/http-session';

export class HttpForwardError extends Error {
  constructor(
    /** One of AGENT_HTTP_ERRORS (@jitgate/contracts), whose statuses the gateway relays. */
    readonly code: AgentHttpErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HttpForwardError';
  }

  get status(): number {
    return AGENT_HTTP_ERRORS[this.code];
  }
}

/** Answers with the error, unless the response has begun (then the connection is cut: a truncated body must not look complete). */
export function sendForwardError(res: GatewayResponse, error: HttpForwardError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    [JITGATE_ERROR_HEADER]: error.code,
  });
  res.end(body);
}

const TLS_CODES = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_SSL_)/;

/** Node's client errors, classified. The message keeps the error code only (no server text). */
export function upstreamError(error: unknown, origin: string): HttpForwardError {
  if (error instanceof HttpForwardError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : 'error';
  if (code === 'ETIMEDOUT') return new HttpForwardError('target_timeout', `${origin} did not answer in time`);
  if (TLS_CODES.test(code)) return new HttpForwardError('target_unreachable', `TLS to ${origin} failed (${code})`);
  return new HttpForwardError('target_unreachable', `the agent could not reach ${origin} (${code})`);
}
