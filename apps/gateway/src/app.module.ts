import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { OidcVerifier } from './control-plane/identity/oidc/oidc-verifier.js';
import { AccessEventsPublisher } from './control-plane/access-events/access-events.publisher.js';
import { AccessRequestDecisionService } from './control-plane/access-request/access-request-decision.service.js';
import { AccessRequestExpiryProcessor } from './control-plane/access-request/access-request-expiry.processor.js';
import { AccessRequestController } from './control-plane/access-request/access-request.controller.js';
import { AccessRequestRepository } from './control-plane/access-request/access-request.repository.js';
import { AccessRequestService } from './control-plane/access-request/access-request.service.js';
import { AuditController } from './control-plane/audit/audit.controller.js';
import { AuditRepository } from './control-plane/audit/audit.repository.js';
import { AuditService } from './control-plane/audit/audit.service.js';
import { AuthGuard } from './control-plane/auth/auth.guard.js';
import { AuthenticatorService } from './control-plane/auth/authenticator.service.js';
import { TokenCrypto } from './control-plane/auth/token-crypto.js';
import { Clock, SystemClock } from './platform/clock.js';
import { HttpErrorFilter } from './platform/http/http-error.filter.js';
import type { GatewayConfig } from './platform/config/config.schema.js';
import { GATEWAY_CONFIG } from './platform/config/config.tokens.js';
import { ConnectionController } from './control-plane/connection/connection.controller.js';
import { ConnectionRepository } from './control-plane/connection/connection.repository.js';
import { ConnectionService } from './control-plane/connection/connection.service.js';
import { AccessSweepProcessor } from './control-plane/sweep/access-sweep.processor.js';
import { GrantExpiryProcessor } from './control-plane/grant/grant-expiry.processor.js';
import { GrantIssuer } from './control-plane/grant/grant-issuer.js';
import { GrantController } from './control-plane/grant/grant.controller.js';
import { GrantRepository } from './control-plane/grant/grant.repository.js';
import { GrantService } from './control-plane/grant/grant.service.js';
import { HealthController } from './platform/health/health.controller.js';
import { MetricsService } from './platform/metrics/metrics.service.js';
import { BootstrapService, BootstrapTokenSink, StdoutBootstrapTokenSink } from './control-plane/identity/bootstrap.service.js';
import { IdentityController } from './control-plane/identity/identity.controller.js';
import { IdentityRepository } from './control-plane/identity/identity.repository.js';
import { IdentityService } from './control-plane/identity/identity.service.js';
import { TokenRepository } from './control-plane/identity/token.repository.js';
import { TokenService } from './control-plane/identity/token.service.js';
import { PlainSqlPool } from './platform/database/plain-sql-pool.js';
import { PrismaService } from './platform/database/prisma.service.js';
import { JOB_HANDLERS } from './platform/queue/queue.registry.js';
import { QueueService } from './platform/queue/queue.service.js';
import { WorkerService } from './platform/queue/worker.service.js';
import { RedisService } from './platform/redis/redis.service.js';
import { loggerOptions } from './platform/logging/logger.options.js';
import { PolicyFileLoader } from './control-plane/policy/policy-file.loader.js';
import { PolicyController } from './control-plane/policy/policy.controller.js';
import { PolicyRepository } from './control-plane/policy/policy.repository.js';
import { PolicyService } from './control-plane/policy/policy.service.js';
import { AgentController } from './control-plane/agent/agent.controller.js';
import { SessionController } from './control-plane/session/session.controller.js';
import { DATA_PLANE_PROVIDERS } from './data-plane/data-plane.providers.js';

export interface AppOverrides {
  /** Replaces the system clock (expiry tests). */
  clock?: Clock;
  /** Where the bootstrap token goes (tests capture it; production prints it). */
  bootstrapTokenSink?: BootstrapTokenSink;
}

const JOB_PROCESSORS = [GrantExpiryProcessor, AccessRequestExpiryProcessor, AccessSweepProcessor];

/**
 * The control plane in one module: it is small enough that feature modules would add wiring
 * without adding boundaries. Side effects sit behind the providers in `infra/`.
 */
@Module({})
export class AppModule {
  static register(config: GatewayConfig, overrides: AppOverrides = {}): DynamicModule {
    const providers: Provider[] = [
      { provide: GATEWAY_CONFIG, useValue: config },
      { provide: Clock, useValue: overrides.clock ?? new SystemClock() },
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
      { provide: APP_GUARD, useClass: AuthGuard },
      { provide: APP_FILTER, useClass: HttpErrorFilter },
      PrismaService,
      PlainSqlPool,
      RedisService,
      QueueService,
      MetricsService,
      TokenCrypto,
      AuthenticatorService,
      AuditRepository,
      AuditService,
      IdentityRepository,
      TokenRepository,
      IdentityService,
      TokenService,
      BootstrapService,
      ConnectionRepository,
      ConnectionService,
      PolicyRepository,
      PolicyService,
      PolicyFileLoader,
      GrantRepository,
      GrantService,
      GrantIssuer,
      AccessEventsPublisher,
      AccessRequestRepository,
      AccessRequestService,
      AccessRequestDecisionService,
      ...JOB_PROCESSORS,
      { provide: JOB_HANDLERS, useFactory: (...handlers: unknown[]) => handlers, inject: JOB_PROCESSORS },
      WorkerService,
      ...DATA_PLANE_PROVIDERS,
    ];
    return {
      module: AppModule,
      imports: [LoggerModule.forRoot(loggerOptions(config))],
      controllers: [
        HealthController,
        IdentityController,
        ConnectionController,
        PolicyController,
        AccessRequestController,
        GrantController,
        AuditController,
        AgentController,
        SessionController,
      ],
      providers,
    };
  }
}
