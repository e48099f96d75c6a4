// The gateway's public surface for running it inside another Node process (the bench, tools):
// the application factory, the settings parser, and the services a caller resolves from the
// application context. Anything not exported here is internal; `node dist/main.js` is the
// way to run the gateway itself.
export { createGatewayApp } from './app.factory.js';
export type { AppOverrides } from './app.module.js';
export { parseConfig, type GatewayConfig } from './platform/config/config.schema.js';
export { PrismaService } from './platform/database/prisma.service.js';
export { QueueService } from './platform/queue/queue.service.js';
export { AuthenticatorService } from './control-plane/auth/authenticator.service.js';
export { ConnectionRepository } from './control-plane/connection/connection.repository.js';
export { PolicyService } from './control-plane/policy/policy.service.js';
export { GrantRepository } from './control-plane/grant/grant.repository.js';
export { GrantService } from './control-plane/grant/grant.service.js';
export { AccessRequestRepository } from './control-plane/access-request/access-request.repository.js';
export { AccessRequestService } from './control-plane/access-request/access-request.service.js';
export { AuditRepository } from './control-plane/audit/audit.repository.js';
export { AuditService } from './control-plane/audit/audit.service.js';
export { SYSTEM_ACTOR } from './control-plane/audit/audit.types.js';
