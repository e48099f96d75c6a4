import type { INestApplication } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import express, { type NextFunction, type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import { Logger } from 'nestjs-pino';
import type { ApiErrorBody } from '@jitgate/contracts';
import { AppModule, type AppOverrides } from './app.module.js';
import { JitgateError } from './platform/errors/jitgate.error.js';
import { toJitgateError } from './platform/http/http-error.filter.js';
import type { GatewayConfig } from './platform/config/config.schema.js';
import { MetricsService } from './platform/metrics/metrics.service.js';
import { assignRequestId } from './platform/logging/logger.options.js';
import { RETRY_AFTER_SECONDS } from './platform/database/database-unavailable.js';
import { OVERLOADED_MESSAGE, OverloadGuard } from './platform/overload/overload-guard.js';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function sendError(req: Request, res: Response, error: JitgateError): void {
  const body: ApiErrorBody = { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}), requestId: String((req as { id?: unknown }).id ?? randomUUID()) } };
  res.status(error.status).json(body);
}

/**
 * JSON bodies only, bounded in size, parsed strictly. Errors here happen before Nest's router,
 * so they are answered here in the same shape the exception filter uses.
 */
function jsonBodies(limitBytes: number) {
  const parse = express.json({ limit: limitBytes, strict: true });
  return (req: Request, res: Response, next: NextFunction) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && WRITE_METHODS.has(req.method) && !req.is('application/json')) {
      sendError(req, res, new JitgateError('unsupported_media_type', 'send the body as application/json'));
      return;
    }
    parse(req, res, (error?: unknown) => {
      if (error) {
        sendError(req, res, toJitgateError(error) ?? new JitgateError('bad_request', 'the request body could not be read'));
        return;
      }
      next();
    });
  };
}

function metricsMiddleware(metrics: MetricsService) {
  return (req: Request, res: Response, next: NextFunction) => {
    const stop = metrics.httpRequests.startTimer();
    res.on('finish', () => {
      // Nest answers unknown routes from a catch-all route ("{/*splat}"): those are unmatched too.
      const path = req.route ? String(req.route.path) : '*';
      const route = path.includes('*') ? 'unmatched' : `${req.baseUrl}${path}`;
      stop({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}

/** Health and metrics stay answered under any load: an orchestrator must still see the process. */
const NEVER_SHED = new Set(['/healthz', '/readyz', '/metrics']);

/** Refuses a REST call at once when the gateway is overloaded (platform/overload/overload-guard.ts). */
function loadShedding(guard: OverloadGuard) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (NEVER_SHED.has(req.path)) return next();
    const admitted = guard.admitRequest();
    if ('refused' in admitted) {
      guard.shed('rest', admitted.refused);
      res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      sendError(req, res, new JitgateError('unavailable', OVERLOADED_MESSAGE));
      return;
    }
    res.on('close', admitted.done);
    next();
  };
}

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('jitgate control plane')
    .setDescription('Just-in-time access: identities, connections, policies, access requests, approvals, grants and a hash-chained audit log.')
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'jg_… token or OIDC JWT', description: 'a jitgate token (jg_…) or a JWT from a configured OIDC issuer' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** The configured application, not yet listening. main.ts and the tests both start it here. */
export async function createGatewayApp(config: GatewayConfig, overrides: AppOverrides = {}): Promise<NestExpressApplication> {
  // HTTPS on PORT when JITGATE_API_TLS_* are set: the certificate is read once, at start.
  const tls = config.http.tls;
  const httpsOptions = tls ? { cert: await readFile(tls.certFile), key: await readFile(tls.keyFile) } : undefined;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, overrides), {
    bodyParser: false,
    bufferLogs: true,
    ...(httpsOptions ? { httpsOptions } : {}),
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // First: the body parser below answers some errors itself, before the logger middleware runs.
  app.use((req: Request, res: Response, next: NextFunction) => {
    assignRequestId(req, res);
    next();
  });
  app.use(metricsMiddleware(app.get(MetricsService)));
  app.use(loadShedding(app.get(OverloadGuard)));
  app.use(jsonBodies(config.http.bodyLimitBytes));
  // The API's description where the API is served; a worker or data process has only health.
  if (config.modes.includes('api')) {
    const document = buildOpenApi(app);
    (app.getHttpAdapter().getInstance() as express.Express).get('/openapi.json', (_req: Request, res: Response) => {
      res.json(document);
    });
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  }
  return app;
}
