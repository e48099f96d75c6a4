// One error type for the whole control plane. Services throw it with a code; each transport
// maps the code once (HTTP: common/http/http-error.filter.ts). Messages name what the caller
// sent, never a secret, a raw database error or a stack.
export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  invalid_json: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class JitgateError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'JitgateError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string, id: string) => new JitgateError('not_found', `${what} "${id}" was not found`);
export const forbidden = (message: string) => new JitgateError('forbidden', message);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new JitgateError('conflict', message, details);
