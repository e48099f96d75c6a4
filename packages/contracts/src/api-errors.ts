// The REST API's errors (docs/api.md): every failure is `{ "error": { "code", "message",
// "requestId", "details"? } }` with the status of its code. The gateway maps its one error type
// to this once (its HTTP error filter); the CLI reads `code` against ERROR_CODES.
import { z } from 'zod';

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
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}

/** What the gateway writes. */
export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown>; requestId: string };
}

/**
 * How a client reads it: `code` as text (a newer gateway may have more codes; match it with
 * isErrorCode), and no requestId required, so that an error from a proxy in front of the gateway
 * that borrowed the shape is still read.
 */
export const apiErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), requestId: z.string().optional(), details: z.record(z.string(), z.unknown()).optional() }),
});
export type ApiErrorBodyAsRead = z.output<typeof apiErrorBodySchema>;
