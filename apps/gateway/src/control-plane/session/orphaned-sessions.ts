import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { SYSTEM_ACTOR } from '../audit/audit.types.js';
import { Clock } from '../../platform/clock.js';
import { SessionRecorder } from './session-recorder.js';
import { SessionRepository } from './session.repository.js';
import { GatewayPresence } from '../../platform/presence/gateway-presence.js';
import { LIVE_SESSION_INDEX, type LiveSessionIndex } from '../../port/control-plane.port.js';

/**
 * Closes the rows of sessions whose gateway died without closing them. The bytes of such a
 * session died with its process: the row ends with reason `gateway_lost` and the bytes it had
 * (zero), and the audit log says so. Run by the sweeper, at start and periodically.
 */
@Injectable()
export class OrphanedSessions {
  private readonly logger = new Logger('OrphanedSessions');
  private readonly startedAt: Date;

  constructor(
    @Inject(SessionRepository) private readonly sessions: SessionRepository,
    @Inject(SessionRecorder) private readonly recorder: SessionRecorder,
    @Inject(GatewayPresence) private readonly presence: GatewayPresence,
    // Absent where this process runs no data plane (JITGATE_MODE=api,worker): it carries none.
    @Optional() @Inject(LIVE_SESSION_INDEX) private readonly live: LiveSessionIndex | null,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    this.startedAt = clock.now();
  }

  async close(): Promise<number> {
    const open = await this.sessions.openRows();
    if (open.length === 0) return 0;
    const others = [...new Set(open.map((row) => row.gatewayId))].filter((id) => id !== this.presence.gatewayId);
    const gone = await this.presence.gone(others);
    const orphans = open.filter((row) =>
      row.gatewayId === this.presence.gatewayId
        ? // This replica's id from an earlier life (a fixed JITGATE_GATEWAY_ID): not carried now.
          row.startedAt < this.startedAt && !this.live?.has(row.id)
        : gone.has(row.gatewayId),
    );
    const now = this.clock.now();
    for (const row of orphans) {
      await this.recorder.closed({
        id: row.id,
        identityId: row.identityId,
        grantId: row.grantId,
        connectionName: row.connection.name,
        endedAt: now,
        endReason: 'gateway_lost',
        endedBy: 'system',
        actor: SYSTEM_ACTOR,
        bytesUp: Number(row.bytesUp),
        bytesDown: Number(row.bytesDown),
        durationMs: now.getTime() - row.startedAt.getTime(),
      });
    }
    if (orphans.length > 0) this.logger.log({ sessions: orphans.length }, 'closed the sessions of gateways that are gone');
    return orphans.length;
  }
}
