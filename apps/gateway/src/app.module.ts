import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { OidcVerifier } from './identity/oidc/oidc-verifier.js';
import { AccessEventsPublisher } from './access-events/access-events.publisher.js';
import { AccessRequestDecisionService } from './access-request/access-request-decision.service.js';
import { AccessRequestExpiryProcessor } from './access-request/access-request-expiry.processor.js';
import { AccessRequestController } from './access-request/access-request.controller.js';
import { AccessRequestRepository } from './access-request/access-request.repository.js';
import { AccessRequestService } from './access-request/access-request.service.js';
import { AuditController } from './audit/audit.controller.js';
import { AuditRepository } from './audit/audit.repository.js';
import { AuditService } from './audit/audit.service.js';
import { AuthGuard } from './auth/auth.guard.js';
import { AuthenticatorService } from './auth/authenticator.service.js';
import { TokenCrypto } from './auth/token-crypto.js';
import { Clock, SystemClock } from './common/clock.js';
import { HttpErrorFilter } from './common/http/http-error.filter.js';
import type { GatewayConfig } from './config/config.schema.js';
import { GATEWAY_CONFIG } from './config/config.tokens.js';
import { ConnectionController } from './connection/connection.controller.js';
import { ConnectionRepository } from './connection/connection.repository.js';
import { ConnectionService } from './connection/connection.service.js';
import { AccessSweepProcessor } from './expiry/access-sweep.processor.js';
import { GrantExpiryProcessor } from './grant/grant-expiry.processor.js';
import { GrantIssuer } from './grant/grant-issuer.js';
import { GrantController } from './grant/grant.controller.js';
import { GrantRepository } from './grant/grant.repository.js';
import { GrantService } from './grant/grant.service.js';
import { HealthController } from './health/health.controller.js';
import { MetricsService } from './health/metrics.service.js';
import { BootstrapService, BootstrapTokenSink, StdoutBootstrapTokenSink } from './identity/bootstrap.service.js';
import { IdentityController } from './identity/identity.controller.js';
import { IdentityRepository } from './identity/identity.repository.js';
import { IdentityService } from './identity/identity.service.js';
import { TokenRepository } from './identity/token.repository.js';
import { TokenService } from './identity/token.service.js';
import { HotPathPool } from './infra/hot-path-pool.service.js';
import { PrismaService } from './infra/prisma.service.js';
import { JOB_HANDLERS } from './infra/queue/queue.registry.js';
import { QueueService } from './infra/queue/queue.service.js';
import { WorkerService } from './infra/queue/worker.service.js';
import { RedisService } from './infra/redis.service.js';
import { loggerOptions } from './logging/logger.options.js';
import { PolicyFileLoader } from './policy/policy-file.loader.js';
import { PolicyController } from './policy/policy.controller.js';
import { PolicyRepository } from './policy/policy.repository.js';
import { PolicyService } from './policy/policy.service.js';
import { AgentController } from './agent/agent.controller.js';
import { SessionController } from './session/session.controller.js';
import { DATA_PLANE_PROVIDERS } from './tunnel/tunnel.providers.js';

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
      HotPathPool,
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
