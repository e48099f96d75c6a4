import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JitgateError } from '../../platform/errors/jitgate.error.js';
import { MetricsService } from '../../platform/metrics/metrics.service.js';
import { ADMIN_ONLY, AUDITOR_OR_ADMIN, IS_PUBLIC, type AuthenticatedRequest } from './auth.decorators.js';
import { AuthenticatorService } from './authenticator.service.js';

/** Global guard: every route needs `Authorization: Bearer <token>` unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AuthenticatorService) private readonly authenticator: AuthenticatorService,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest & { headers: Record<string, unknown> }>();
    let principal;
    try {
      principal = await this.authenticate(request.headers.authorization);
    } catch (error) {
      // jitgate_auth_failures_total was declared but never counted (test/integration/openapi-metrics.test.ts).
      if (error instanceof JitgateError) this.metrics.authFailures.inc({ code: error.code });
      throw error;
    }
    request.principal = principal;

    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets) && !principal.isAdmin) {
      throw new JitgateError('forbidden', 'this needs the admin group');
    }
    if (this.reflector.getAllAndOverride<boolean>(AUDITOR_OR_ADMIN, targets) && !principal.isAdmin && !principal.isAuditor) {
      throw new JitgateError('forbidden', 'this needs the auditor or the admin group');
    }
    return true;
  }

  private async authenticate(header: unknown) {
    if (typeof header !== 'string' || header.length === 0) {
      throw new JitgateError('unauthenticated', 'send Authorization: Bearer <token>');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new JitgateError('unauthenticated', 'the Authorization header must be "Bearer <token>"');
    return this.authenticator.authenticate(match[1] as string);
  }
}
