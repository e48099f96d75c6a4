import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '../../port/principal.js';

export { IS_PUBLIC, Public } from '../../platform/http/public-route.js';

export const ADMIN_ONLY = Symbol('ADMIN_ONLY');
/** The route is for members of the admin group (JITGATE_ADMIN_GROUP). */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

export const AUDITOR_OR_ADMIN = Symbol('AUDITOR_OR_ADMIN');
/** The route is for auditors (JITGATE_AUDITOR_GROUP) and admins. */
export const AuditorOrAdmin = () => SetMetadata(AUDITOR_OR_ADMIN, true);

export interface AuthenticatedRequest {
  principal?: Principal;
}

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  // The guard runs first on every non-public route; reaching here without one is a wiring bug.
  if (!principal) throw new Error('no principal on an authenticated route');
  return principal;
});
