// The gateway's own answers (docs/http.md, the refusal table): JSON with a stable code, the
// same code in `x-jitgate-error`, so that both people and programs can tell a gateway refusal
// from the target's own errors.
import type { ServerResponse } from 'node:http';

export type RefusalCode =
  | 'unauthenticated'
  | 'no_grant'
  | 'blocked'
  | 'denied'
  | 'approval_timed_out'
  | 'not_found'
  | 'bad_request'
  | 'too_large'
  | 'too_large_to_mask'
  | 'no_agent'
  | 'target_unreachable'
  | 'session_ended'
  | 'unavailable'
  | 'internal';

export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: RefusalCode,
    message: string,
    /** Close the caller's connection after answering (its session cannot serve it any more). */
    readonly closeConnection = false,
  ) {
    super(message);
  }
}

export function sendRefusal(res: ServerResponse, refusal: HttpRefusal): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code: refusal.code, message: `jitgate: ${refusal.message}` } });
  res.writeHead(refusal.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-jitgate-error': refusal.code,
    ...(refusal.status === 401 ? { 'www-authenticate': 'Bearer realm="jitgate"' } : {}),
    ...(refusal.closeConnection ? { connection: 'close' } : {}),
  });
  res.end(body);
}
