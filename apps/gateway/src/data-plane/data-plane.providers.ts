// The data plane's providers (tunnels, admission, live sessions, recordings, the fronts),
// registered by AppModule when this process runs the `data` mode.
import type { Provider } from '@nestjs/common';
import { LIVE_SESSION_INDEX } from '../port/control-plane.port.js';
import { SessionEventWriter } from './recording/session-event-writer.js';
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
import { LiveSessions } from './live/live-sessions.js';
import { SessionBroker } from './admission/session-broker.service.js';
import { SessionEnforcer } from './live/session-enforcer.js';
import { SessionReconciler } from './live/session-reconciler.js';
import { SessionStandingRepository } from './live/session-standing.repository.js';
import { TunnelAdmission } from './admission/tunnel-admission.service.js';
import { AccessEndsSubscriber } from './live/access-ends.subscriber.js';
import { TunnelServer } from './tunnel/tunnel-server.js';
import { TunnelMetrics } from './tunnel/tunnel.metrics.js';

export const DATA_PLANE_PROVIDERS: Provider[] = [
  TunnelMetrics,
  AgentRegistry,
  LiveSessions,
  { provide: LIVE_SESSION_INDEX, useExisting: LiveSessions },
  TunnelAdmission,
  TunnelServer,
  SessionBroker,
  ClientListener,
  SessionEnforcer,
  SessionStandingRepository,
  SessionReconciler,
  AccessEndsSubscriber,
  DataPlaneLifecycle,
  SessionEventWriter,
  PgCancelKeys,
  PgMetrics,
  PgSessions,
  PgListener,
  HttpMetrics,
  HttpCallerSessions,
  HttpProxyService,
  HttpProxyListener,
];
