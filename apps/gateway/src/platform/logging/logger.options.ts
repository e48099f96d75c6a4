import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Params } from 'nestjs-pino';
import type { GatewayConfig } from '../config/config.schema.js';

/** Never logged in clear, wherever they appear. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'token',
  'password',
  'privateKey',
  'private_key',
  '*.token',
  '*.password',
  '*.privateKey',
  '*.private_key',
  '*.secret',
];

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The request's correlation id: a sane incoming X-Request-Id, else a new UUID, echoed in the
 * response header. Idempotent. app.factory.ts calls it before the body parser, because the
 * pino-http middleware runs only after it, and errors the body parser answers (400 invalid_json,
 * 413, 415) must carry the same id in body, header and log (test/integration/bad-input.test.ts).
 */
export function assignRequestId(req: IncomingMessage & { id?: unknown }, res: ServerResponse): string {
  if (typeof req.id === 'string') return req.id;
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  req.id = id;
  res.setHeader('X-Request-Id', id);
  return id;
}

/** JSON logs with a request id on every line (taken from X-Request-Id when it is sane). */
export function loggerOptions(config: GatewayConfig): Params {
  return {
    pinoHttp: {
      level: config.log.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      genReqId: (req: IncomingMessage, res: ServerResponse) => assignRequestId(req, res),
      customAttributeKeys: { reqId: 'requestId' },
      // Probes every few seconds would drown everything else.
      autoLogging: { ignore: (req: IncomingMessage) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') },
      serializers: {
        req: (req: { id: string; method: string; url: string; headers: Record<string, unknown> }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          userAgent: req.headers['user-agent'],
        }),
      },
    },
  };
}
