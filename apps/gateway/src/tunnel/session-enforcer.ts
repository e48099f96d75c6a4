// The gateway's half of enforcement (docs/tunnel.md, "Enforcement"): a grant that ends —
// revoked, released or expired, on any replica — closes its sessions here within milliseconds
// and is announced to the agents, which close theirs too. (Each session also has its own timer
// at expiresAt: live-session.ts.) A revoked agent loses its tunnels on every replica.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CloseReason } from '@jitgate/proto';
import type { AgentRevokedEvent } from '../agent/agent-events.js';
import type { GrantEndedEvent } from '../grant/grant-events.publisher.js';
import { AgentRegistry } from './agent-registry.js';
import type { EndReason } from './end-reasons.js';
import { LiveSessions } from './live-sessions.js';

const END_OF: Record<GrantEndedEvent['status'], { wire: CloseReason; reason: EndReason }> = {
  expired: { wire: CloseReason.GRANT_EXPIRED, reason: 'grant_expired' },
  revoked: { wire: CloseReason.GRANT_REVOKED, reason: 'grant_revoked' },
  // The wire has no "released": to the agent it is the grant being taken back.
  released: { wire: CloseReason.GRANT_REVOKED, reason: 'grant_released' },
};

@Injectable()
export class SessionEnforcer {
  private readonly logger = new Logger('SessionEnforcer');

  constructor(
    @Inject(LiveSessions) private readonly live: LiveSessions,
    @Inject(AgentRegistry) private readonly registry: AgentRegistry,
  ) {}

  grantEnded(event: GrantEndedEvent): void {
    const end = END_OF[event.status];
    const closed = this.live.endGrant(event.grantId, end.wire, `the grant was ${event.status}`, { reason: end.reason });
    const tunnels = this.registry.serving(event.connectionId);
    for (const tunnel of tunnels) tunnel.revokeGrant(event.grantId, end.wire);
    if (closed > 0 || tunnels.length > 0) this.logger.log({ grantId: event.grantId, status: event.status, sessions: closed, tunnels: tunnels.length }, 'grant ended: sessions closed');
  }

  agentRevoked(event: AgentRevokedEvent): void {
    const tunnels = this.registry.closeAgent(event.agentId, event.revokedBy);
    if (tunnels > 0) this.logger.log({ agentId: event.agentId, tunnels }, 'agent revoked: tunnels closed');
  }
}
