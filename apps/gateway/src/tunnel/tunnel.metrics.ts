import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '../health/metrics.service.js';

/** The data path's metrics, on the application's registry (GET /metrics). */
@Injectable()
export class TunnelMetrics {
  readonly tunnels: Gauge;
  readonly sessionsActive: Gauge;
  readonly sessionAttempts: Counter<'result'>;
  readonly sessionsOpened: Counter;
  readonly sessionsClosed: Counter<'reason'>;
  readonly bytes: Counter<'direction'>;

  constructor(@Inject(MetricsService) metrics: MetricsService) {
    const registers = [metrics.registry];
    this.tunnels = new Gauge({
      name: 'jitgate_tunnel_agents_connected',
      help: 'Agent tunnels ready on this replica (one per connected agent instance)',
      registers,
    });
    this.sessionsActive = new Gauge({ name: 'jitgate_tunnel_sessions_active', help: 'Sessions open on this replica', registers });
    this.sessionAttempts = new Counter({
      name: 'jitgate_tunnel_session_attempts_total',
      help: 'Client handshakes by result (ok, bad_handshake, unauthenticated, not_found, no_grant, no_agent, target_unreachable, unavailable, internal)',
      labelNames: ['result'] as const,
      registers,
    });
    this.sessionsOpened = new Counter({ name: 'jitgate_tunnel_sessions_opened_total', help: 'Sessions opened', registers });
    this.sessionsClosed = new Counter({
      name: 'jitgate_tunnel_sessions_closed_total',
      help: 'Sessions closed, by end reason (client_closed, target_closed, grant_expired, grant_revoked, …)',
      labelNames: ['reason'] as const,
      registers,
    });
    this.bytes = new Counter({
      name: 'jitgate_tunnel_bytes_total',
      help: 'Session bytes carried: up = client to target, down = target to client',
      labelNames: ['direction'] as const,
      registers,
    });
  }
}
