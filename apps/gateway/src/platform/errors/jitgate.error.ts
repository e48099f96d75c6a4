// One error type for the whole control plane. Services throw it with a code; each transport
// maps the code once (HTTP: common/http/http-error.filter.ts). Messages name what the caller
// sent, never a secret, a raw database error or a stack.
import { ERROR_STATUS, type ErrorCode } from '@jitgate/contracts';

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
export const conflict = (message: string, details?: Record<string, unknown>) => new JitgateError('conflict', message, details);
