// The data plane's providers (agents, sessions, tunnels), registered by AppModule.
import type { Provider } from '@nestjs/common';
import { AgentEventsPublisher } from '../agent/agent-events.js';
import { AgentRepository } from '../agent/agent.repository.js';
import { AgentService } from '../agent/agent.service.js';
import { AgentTokenCrypto } from '../agent/agent-token.js';
import { SessionRecorder } from '../session/session-recorder.js';
import { SessionRepository } from '../session/session.repository.js';
import { SessionService } from '../session/session.service.js';
import { SessionEventWriter } from '../session/session-event-writer.js';
import { SessionEventRepository } from '../session/session-event.repository.js';
import { StatementApprovalService } from '../access-request/statement-approval.service.js';
import { HttpCallerSessions } from '../http/http-caller-sessions.js';
import { HttpProxyListener } from '../http/http-proxy.listener.js';
import { HttpProxyService } from '../http/http-proxy.service.js';
import { HttpMetrics } from '../http/http.metrics.js';
import { PgCancelKeys } from '../postgres/pg-cancel-keys.js';
import { PgListener } from '../postgres/pg-listener.js';
import { PgMetrics } from '../postgres/pg.metrics.js';
import { PgSessions } from '../postgres/pg-sessions.service.js';
import { AgentRegistry } from './agent-registry.js';
import { ClientListener } from './client-listener.js';
import { DataPlaneLifecycle } from './data-plane.lifecycle.js';
import { GatewayPresence } from './gateway-presence.js';
import { OrphanedSessions } from './orphaned-sessions.js';
import { LiveSessions } from './live-sessions.js';
import { SessionBroker } from './session-broker.service.js';
import { SessionEnforcer } from './session-enforcer.js';
import { SessionReconciler } from './session-reconciler.js';
import { SessionStandingRepository } from './session-standing.repository.js';
import { TunnelAdmission } from './tunnel-admission.service.js';
import { TunnelEventsSubscriber } from './tunnel-events.subscriber.js';
import { TunnelServer } from './tunnel-server.js';
import { TunnelMetrics } from './tunnel.metrics.js';

export const DATA_PLANE_PROVIDERS: Provider[] = [
  TunnelMetrics,
  AgentTokenCrypto,
  AgentRepository,
  AgentEventsPublisher,
  AgentService,
  SessionRepository,
  SessionEventRepository,
  SessionRecorder,
  SessionService,
  AgentRegistry,
  LiveSessions,
  TunnelAdmission,
  TunnelServer,
  SessionBroker,
  ClientListener,
  SessionEnforcer,
  SessionStandingRepository,
  SessionReconciler,
  TunnelEventsSubscriber,
  DataPlaneLifecycle,
  GatewayPresence,
  OrphanedSessions,
  SessionEventWriter,
  StatementApprovalService,
  PgCancelKeys,
  PgMetrics,
  PgSessions,
  PgListener,
  HttpMetrics,
  HttpCallerSessions,
  HttpProxyService,
  HttpProxyListener,
];
