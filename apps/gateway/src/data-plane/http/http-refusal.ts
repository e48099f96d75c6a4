// The gateway's own answers (docs/http.md, the refusal table), in the error shape of Google's
// JSON APIs — `{"error": {"code": 403, "status": "PERMISSION_DENIED", "message": …, "errors":
// [{"reason": "blocked", …}]}}` — because the official clients read exactly that and surface the
// status and message to their callers. The stable jitgate code is the `reason`, and also the
// `x-jitgate-error` header, so programs can tell a gateway refusal from the target's own errors.
import type { ServerResponse } from 'node:http';
import { JITGATE_ERROR_HEADER, type HttpRefusalCode } from '@jitgate/contracts';
import { RETRY_AFTER_SECONDS } from '../../platform/database/database-unavailable.js';

export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpRefusalCode,
    message: string,
    /** Close the caller's connection after answering (its session cannot serve it any more). */
    readonly closeConnection = false,
  ) {
    super(message);
  }
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function refusalBody(refusal: HttpRefusal): string {
  const message = `jitgate: ${refusal.message}`;
  return JSON.stringify({ error: { code: refusal.status, status: STATUS_NAMES[refusal.status] ?? 'UNKNOWN', message, errors: [{ reason: refusal.code, domain: 'jitgate', message }] } });
}

export function sendRefusal(res: ServerResponse, refusal: HttpRefusal): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = refusalBody(refusal);
  res.writeHead(refusal.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    [JITGATE_ERROR_HEADER]: refusal.code,
    ...(refusal.status === 401 ? { 'www-authenticate': 'Bearer realm="jitgate"' } : {}),
    ...(refusal.code === 'unavailable' ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : {}),
    ...(refusal.closeConnection ? { connection: 'close' } : {}),
  });
  res.end(body);
}
