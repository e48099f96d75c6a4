import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../../platform/metrics/metrics.service.js';

/** The data path's metrics, on the application's registry (GET /metrics). */
@Injectable()
export class TunnelMetrics {
  readonly tunnels: Gauge;
  readonly sessionsActive: Gauge;
  readonly sessionAttempts: Counter<'result'>;
  readonly sessionsOpened: Counter;
  readonly sessionsClosed: Counter<'reason'>;
  readonly bytes: Counter<'direction'>;
  readonly reconcileSeconds: Histogram;
  readonly reconcileCuts: Counter<'scope'>;
  readonly reconcileFailures: Counter;

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
    this.reconcileSeconds = new Histogram({
      name: 'jitgate_session_reconcile_seconds',
      help: "One check of this replica's live sessions against the database (one query for all of them)",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.reconcileCuts = new Counter({
      name: 'jitgate_session_reconcile_cuts_total',
      help: 'Sessions the check ended because their grant, token or identity had ended without a message reaching this replica (or a token expired), by scope',
      labelNames: ['scope'] as const,
      registers,
    });
    this.reconcileFailures = new Counter({ name: 'jitgate_session_reconcile_failures_total', help: 'Checks of the live sessions that could not read the database', registers });
  }
}
