// The one error type of forwarding an HTTP request at the agent, with its code, mapped once to
// the status and JSON body the gateway relays (docs/http.md: `x-jitgate-error: <code>`,
// `{"error":{"code","message"}}`). Messages name the target's origin and what failed, never a
// header value, token or credential.
import type { GatewayResponse } from '@jitgate/http-session';

export type HttpForwardErrorCode =
  /** The gateway sent a request the agent does not forward (absolute-form, CONNECT, Upgrade…). */
  | 'bad_request'
  /** The session's grant has ended by the agent's clock: nothing more goes to the target. */
  | 'no_grant'
  /** The token for the target could not be minted or read. */
  | 'credential_unavailable'
  /** The target refused the connection, reset it, or failed TLS. */
  | 'target_unreachable'
  /** The target did not connect or answer in time. */
  | 'target_timeout'
  /** A fault of the agent itself; the agent's log has the detail. */
  | 'internal';

const STATUS: Record<HttpForwardErrorCode, number> = {
  bad_request: 400,
  no_grant: 403,
  credential_unavailable: 502,
  target_unreachable: 502,
  target_timeout: 504,
  internal: 500,
};

export class HttpForwardError extends Error {
  constructor(
    readonly code: HttpForwardErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HttpForwardError';
  }

  get status(): number {
    return STATUS[this.code];
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
    'x-jitgate-error': error.code,
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
