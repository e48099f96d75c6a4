// The control plane's parts, by what each run mode needs of them (platform/config/run-modes.ts).
import type { Provider, Type } from '@nestjs/common';
import { CONTROL_PLANE } from '../port/control-plane.port.js';
import { AccessEventsPublisher } from './access-events/access-events.publisher.js';
import { AccessRequestDecisionService } from './access-request/access-request-decision.service.js';
import { AccessRequestExpiryProcessor } from './access-request/access-request-expiry.processor.js';
import { AccessRequestController } from './access-request/access-request.controller.js';
import { AccessRequestRepository } from './access-request/access-request.repository.js';
import { AccessRequestService } from './access-request/access-request.service.js';
import { ApprovalHoldService } from './access-request/approval-hold.service.js';
import { AgentController } from './agent/agent.controller.js';
import { AgentRepository } from './agent/agent.repository.js';
import { AgentService } from './agent/agent.service.js';
import { AgentTokenCrypto } from './agent/agent-token.js';
import { AuditController } from './audit/audit.controller.js';
import { AuditRepository } from './audit/audit.repository.js';
import { AuditService } from './audit/audit.service.js';
import { AuthenticatorService } from './auth/authenticator.service.js';
import { TokenCrypto } from './auth/token-crypto.js';
import { ConnectionController } from './connection/connection.controller.js';
import { ConnectionRepository } from './connection/connection.repository.js';
import { ConnectionService } from './connection/connection.service.js';
import { ControlPlaneAdapter } from './control-plane.adapter.js';
import { GrantExpiryProcessor } from './grant/grant-expiry.processor.js';
import { GrantIssuer } from './grant/grant-issuer.js';
import { GrantController } from './grant/grant.controller.js';
import { GrantRepository } from './grant/grant.repository.js';
import { GrantService } from './grant/grant.service.js';
import { BootstrapService } from './identity/bootstrap.service.js';
import { IdentityController } from './identity/identity.controller.js';
import { IdentityRepository } from './identity/identity.repository.js';
import { IdentityService } from './identity/identity.service.js';
import { TokenRepository } from './identity/token.repository.js';
import { TokenService } from './identity/token.service.js';
import { PolicyFileLoader } from './policy/policy-file.loader.js';
import { PolicyController } from './policy/policy.controller.js';
import { PolicyRepository } from './policy/policy.repository.js';
import { PolicyService } from './policy/policy.service.js';
import { OrphanedSessions } from './session/orphaned-sessions.js';
import { SessionEventRepository } from './session/session-event.repository.js';
import { SessionRecorder } from './session/session-recorder.js';
import { SessionController } from './session/session.controller.js';
import { SessionRepository } from './session/session.repository.js';
import { SessionService } from './session/session.service.js';
import { AccessSweepProcessor } from './sweep/access-sweep.processor.js';

/**
 * The services every mode may call: the API's handlers, the workers' jobs, and the data plane
 * through the port (ControlPlaneAdapter). Constructing them has no side effect.
 */
export const CONTROL_PLANE_SERVICES: Provider[] = [
  TokenCrypto,
  AuthenticatorService,
  AuditRepository,
  AuditService,
  IdentityRepository,
  TokenRepository,
  IdentityService,
  TokenService,
  ConnectionRepository,
  ConnectionService,
  PolicyRepository,
  PolicyService,
  GrantRepository,
  GrantService,
  GrantIssuer,
  AccessEventsPublisher,
  AccessRequestRepository,
  AccessRequestService,
  AccessRequestDecisionService,
  ApprovalHoldService,
  AgentTokenCrypto,
  AgentRepository,
  AgentService,
  SessionRepository,
  SessionEventRepository,
  SessionService,
  SessionRecorder,
  ControlPlaneAdapter,
  { provide: CONTROL_PLANE, useExisting: ControlPlaneAdapter },
];

/** The REST API (`api`): its controllers, and what it does once at start. */
export const API_CONTROLLERS: Type[] = [IdentityController, ConnectionController, PolicyController, AccessRequestController, GrantController, AuditController, AgentController, SessionController];
export const API_STARTUP: Provider[] = [BootstrapService, PolicyFileLoader];

/** The jobs (`worker`): each queue's handler, and the sweeper's own work. */
export const JOB_PROCESSORS: Type[] = [GrantExpiryProcessor, AccessRequestExpiryProcessor, AccessSweepProcessor];
export const WORKER_PARTS: Provider[] = [OrphanedSessions];
