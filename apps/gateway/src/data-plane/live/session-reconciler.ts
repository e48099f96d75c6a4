// Each replica checks its live sessions against PostgreSQL every
// JITGATE_SESSION_RECONCILE_INTERVAL (docs/tunnel.md, "Enforcement"): the grant still active and
// not expired, the identity not disabled, the token not revoked or expired. Ends are announced by
// message (SessionEnforcer, within a second); this check is the bound when a message is lost —
// Redis down or frozen, a replica not subscribed yet, an end written to the database by hand, a
// token that simply expired: a session outlives its access by at most one period.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../platform/clock.js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import type { LiveSessionInfo } from './live-session.js';
import { LiveSessions } from './live-sessions.js';
import { SessionEnforcer } from './session-enforcer.js';
import { lapseOf, type Lapse } from './session-standing.js';
import { SessionStandingRepository } from './session-standing.repository.js';
import { TunnelMetrics } from '../tunnel/tunnel.metrics.js';

@Injectable()
export class SessionReconciler {
  private readonly logger = new Logger('SessionReconciler');
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LiveSessions) private readonly live: LiveSessions,
    @Inject(SessionStandingRepository) private readonly standing: SessionStandingRepository,
    @Inject(SessionEnforcer) private readonly enforcer: SessionEnforcer,
    @Inject(TunnelMetrics) private readonly metrics: TunnelMetrics,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.config.tunnel.sessionReconcileIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One check of every live session of this replica, in one query; returns how many it closed. */
  async check(): Promise<number> {
    // A slow database must not stack checks on top of each other.
    if (this.checking) return 0;
    const sessions = this.live.list();
    if (sessions.length === 0) return 0;
    this.checking = true;
    const done = this.metrics.reconcileSeconds.startTimer();
    try {
      const standings = await this.standing.of(sessions);
      const now = this.clock.now();
      const ended = new Set<string>();
      let closed = 0;
      for (const info of sessions) {
        const lapse = lapseOf(info, standings.get(info.id), now);
        if (!lapse || ended.has(`${lapse.scope}:${lapse.id}`)) continue;
        ended.add(`${lapse.scope}:${lapse.id}`);
        const count = this.end(info, lapse);
        closed += count;
        if (count > 0) this.metrics.reconcileCuts.inc({ scope: lapse.scope }, count);
      }
      // Usually a message that was lost (or is still on its way); an expired token has none.
      if (closed > 0) this.logger.warn({ sessions: closed, ends: [...ended] }, 'the check against the database ended sessions whose access had ended');
      return closed;
    } catch (error) {
      // The sessions keep their own timers at the grant's expiry; the next period tries again.
      this.metrics.reconcileFailures.inc();
      this.logger.warn({ err: String(error), sessions: sessions.length }, 'could not check the live sessions against the database');
      return 0;
    } finally {
      done();
      this.checking = false;
    }
  }

  private end(info: LiveSessionInfo, lapse: Lapse): number {
    switch (lapse.scope) {
      case 'grant':
        return this.enforcer.grantEnded({ type: 'grant.ended', grantId: lapse.id, identityId: info.identityId, connectionId: info.connectionId, status: lapse.status });
      case 'token':
        return lapse.why === 'expired' ? this.enforcer.tokenExpired(lapse.id) : this.enforcer.tokenRevoked({ type: 'token.revoked', tokenId: lapse.id, identityId: info.identityId, by: null });
      case 'identity':
        return this.enforcer.identityDisabled({ type: 'identity.disabled', identityId: lapse.id, by: null });
    }
  }
}
