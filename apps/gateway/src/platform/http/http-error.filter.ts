import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { ERROR_STATUS, type ApiErrorBody, type ErrorCode } from '@jitgate/contracts';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable, RETRY_AFTER_SECONDS } from '../database/database-unavailable.js';
import { JitgateError } from '../errors/jitgate.error.js';

const STATUS_TO_CODE = new Map<number, ErrorCode>(Object.entries(ERROR_STATUS).map(([code, status]) => [status, code as ErrorCode]));

/** Express/body-parser errors carry a `type` and a `status`; we name the ones callers cause. */
function fromExpressError(error: unknown): JitgateError | undefined {
  if (typeof error !== 'object' || error === null || !('type' in error)) return undefined;
  switch ((error as { type: unknown }).type) {
    case 'entity.parse.failed':
      return new JitgateError('invalid_json', 'the request body is not valid JSON');
    case 'entity.too.large':
      return new JitgateError('payload_too_large', 'the request body is larger than this gateway accepts', {
        limitBytes: (error as { limit?: number }).limit,
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new JitgateError('unsupported_media_type', 'the request body must be UTF-8 JSON');
    default:
      return undefined;
  }
}

export function toJitgateError(error: unknown): JitgateError | undefined {
  if (error instanceof JitgateError) return error;
  const fromExpress = fromExpressError(error);
  if (fromExpress) return fromExpress;
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = STATUS_TO_CODE.get(status);
    // Nest's own 404 for unknown routes and the like; its messages are safe to show.
    if (code && code !== 'internal') return new JitgateError(code, error.message);
  }
  if (isDatabaseUnavailable(error)) return new JitgateError('unavailable', DATABASE_UNAVAILABLE_MESSAGE);
  return undefined;
}

/** Maps every error to `{ error: { code, message, requestId } }`. Unknown errors become a generic 500. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { id?: string }>();
    const response = http.getResponse<Response>();
    const requestId = String(request.id ?? randomUUID());
    const known = toJitgateError(exception);
    const error = known ?? new JitgateError('internal', 'internal error; quote the requestId when reporting it');
    if (!known) {
      this.logger.error({ err: exception, requestId }, 'unhandled error');
    }
    const body: ApiErrorBody = {
      error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}), requestId },
    };
    if (error.code === 'unauthenticated') response.setHeader('WWW-Authenticate', 'Bearer');
    if (error.code === 'unavailable') response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    response.status(error.status).json(body);
  }
}
