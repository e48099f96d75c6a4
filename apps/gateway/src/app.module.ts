import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AuthGuard } from './control-plane/auth/auth.guard.js';
import { API_CONTROLLERS, API_STARTUP, CONTROL_PLANE_SERVICES, JOB_PROCESSORS, WORKER_PARTS } from './control-plane/control-plane.providers.js';
import { BootstrapTokenSink, StdoutBootstrapTokenSink } from './control-plane/identity/bootstrap.service.js';
import { OidcVerifier } from './control-plane/identity/oidc/oidc-verifier.js';
import { DATA_PLANE_PROVIDERS } from './data-plane/data-plane.providers.js';
import { Clock, SystemClock } from './platform/clock.js';
import type { GatewayConfig } from './platform/config/config.schema.js';
import { GATEWAY_CONFIG } from './platform/config/config.tokens.js';
import { PlainSqlPool } from './platform/database/plain-sql-pool.js';
import { PrismaService } from './platform/database/prisma.service.js';
import { HealthController } from './platform/health/health.controller.js';
import { HttpErrorFilter } from './platform/http/http-error.filter.js';
import { loggerOptions } from './platform/logging/logger.options.js';
import { MetricsService } from './platform/metrics/metrics.service.js';
import { OverloadGuard } from './platform/overload/overload-guard.js';
import { GatewayPresence } from './platform/presence/gateway-presence.js';
import { JOB_HANDLERS } from './platform/queue/queue.registry.js';
import { QueueService } from './platform/queue/queue.service.js';
import { WorkerService } from './platform/queue/worker.service.js';
import { RedisService } from './platform/redis/redis.service.js';
import { AccessEndsStream } from './port/access-ends.stream.js';
import { RedisAccessEndsStream } from './port/access-ends.redis-stream.js';
import { AgentInstances } from './port/agent-instances.js';
import { RedisAgentInstances } from './port/agent-instances.redis.js';

export interface AppOverrides {
  /** Replaces the system clock (expiry tests). */
  clock?: Clock;
  /** Where the bootstrap token goes (tests capture it; production prints it). */
  bootstrapTokenSink?: BootstrapTokenSink;
}

/**
 * The gateway in one module, assembled from the parts each run mode needs (config.modes): the
 * platform always, the control plane's services always (the data plane reaches them through
 * the port), the REST API for `api`, the jobs for `worker`, the data plane for `data`.
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static register().
export class AppModule {
  static register(config: GatewayConfig, overrides: AppOverrides = {}): DynamicModule {
    const runs = (mode: GatewayConfig['modes'][number]) => config.modes.includes(mode);
    const platform: Provider[] = [
      { provide: GATEWAY_CONFIG, useValue: config },
      { provide: Clock, useValue: overrides.clock ?? new SystemClock() },
      { provide: APP_GUARD, useClass: AuthGuard },
      { provide: APP_FILTER, useClass: HttpErrorFilter },
      PrismaService,
      PlainSqlPool,
      RedisService,
      QueueService,
      MetricsService,
      OverloadGuard,
      GatewayPresence,
      { provide: AccessEndsStream, useClass: RedisAccessEndsStream },
      { provide: AgentInstances, useClass: RedisAgentInstances },
    ];
    const controlPlane: Provider[] = [
      { provide: BootstrapTokenSink, useValue: overrides.bootstrapTokenSink ?? new StdoutBootstrapTokenSink() },
      {
        provide: OidcVerifier,
        useFactory: (clock: Clock) =>
          new OidcVerifier(config.auth.oidcIssuers, {
            cooldownMs: config.auth.oidcJwksCooldownSeconds * 1000,
            jwksMaxAgeMs: config.auth.oidcJwksMaxAgeSeconds * 1000,
            now: () => clock.now(),
          }),
        inject: [Clock],
      },
      ...CONTROL_PLANE_SERVICES,
    ];
    const worker: Provider[] = [...WORKER_PARTS, ...JOB_PROCESSORS, { provide: JOB_HANDLERS, useFactory: (...handlers: unknown[]) => handlers, inject: JOB_PROCESSORS }, WorkerService];
    return {
      module: AppModule,
      imports: [LoggerModule.forRoot(loggerOptions(config))],
      controllers: [HealthController, ...(runs('api') ? API_CONTROLLERS : [])],
      providers: [...platform, ...controlPlane, ...(runs('api') ? API_STARTUP : []), ...(runs('worker') ? worker : []), ...(runs('data') ? DATA_PLANE_PROVIDERS : [])],
    };
  }
}
