// The data plane's providers (agents, sessions, tunnels), registered by AppModule.
import type { Provider } from '@nestjs/common';
import { AgentEventsPublisher } from '../control-plane/agent/agent-events.js';
import { AgentRepository } from '../control-plane/agent/agent.repository.js';
import { AgentService } from '../control-plane/agent/agent.service.js';
import { AgentTokenCrypto } from '../control-plane/agent/agent-token.js';
import { SessionRecorder } from './recording/session-recorder.js';
import { SessionRepository } from '../control-plane/session/session.repository.js';
import { SessionService } from '../control-plane/session/session.service.js';
import { SessionEventWriter } from './recording/session-event-writer.js';
import { SessionEventRepository } from './recording/session-event.repository.js';
import { StatementApprovalService } from '../control-plane/access-request/statement-approval.service.js';
import { HttpCallerSessions } from './http/http-caller-sessions.js';
import { HttpProxyListener } from './http/http-proxy.listener.js';
import { HttpProxyService } from './http/http-proxy.service.js';
import { HttpMetrics } from './http/http.metrics.js';
import { PgCancelKeys } from './postgres/pg-cancel-keys.js';
import { PgListener } from './postgres/pg-listener.js';
import { PgMetrics } from './postgres/pg.metrics.js';
import { PgSessions } from './postgres/pg-sessions.service.js';
import { AgentRegistry } from './tunnel/agent-registry.js';
import { ClientListener } from './tcp/client-listener.js';
import { DataPlaneLifecycle } from './data-plane.lifecycle.js';
import { GatewayPresence } from '../platform/presence/gateway-presence.js';
import { OrphanedSessions } from './live/orphaned-sessions.js';
import { LiveSessions } from './live/live-sessions.js';
import { SessionBroker } from './admission/session-broker.service.js';
import { SessionEnforcer } from './live/session-enforcer.js';
import { SessionReconciler } from './live/session-reconciler.js';
import { SessionStandingRepository } from './live/session-standing.repository.js';
import { TunnelAdmission } from './admission/tunnel-admission.service.js';
import { TunnelEventsSubscriber } from './live/tunnel-events.subscriber.js';
import { TunnelServer } from './tunnel/tunnel-server.js';
import { TunnelMetrics } from './tunnel/tunnel.metrics.js';

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
