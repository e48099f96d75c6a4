// The gateway's half of enforcement (docs/tunnel.md, "Enforcement"): the end of an access — a
// grant revoked, released or expired; the token that opened a session revoked or expired; its
// identity disabled — closes the sessions it opened on this replica within milliseconds. It is
// heard two ways: from the access-ends stream (in process from the call that ended it on this
// replica, from Redis for the others: port/access-ends.stream.ts), and from this replica's own periodic check against the
// database (SessionReconciler) when a message was lost. Grant ends are also announced to the
// agents, which close theirs too. (Each session also has its own timer at the grant's expiresAt:
// live-session.ts.) A revoked agent loses its tunnels on every replica.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CloseReason } from '@jitgate/proto';
import type { AccessEnd, AgentRevokedEvent, GrantEndedEvent, IdentityDisabledEvent, TokenRevokedEvent } from '../../port/access-events.js';
import { AgentRegistry } from '../tunnel/agent-registry.js';
import type { EndReason } from '../tunnel/end-reasons.js';
import { LiveSessions, type SessionScope } from './live-sessions.js';

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

  /** Returns how many sessions it closed here (tunnels, for an agent). */
  apply(event: AccessEnd): number {
    switch (event.type) {
      case 'agent.revoked':
        return this.agentRevoked(event);
      case 'grant.ended':
        return this.grantEnded(event);
      case 'token.revoked':
        return this.tokenRevoked(event);
      case 'identity.disabled':
        return this.identityDisabled(event);
    }
  }

  grantEnded(event: GrantEndedEvent): number {
    const end = END_OF[event.status];
    // Heard twice (this replica's own call, then Redis; or a check after a message): the agents were told the first time.
    const first = !this.live.hasEnded('grant', event.grantId);
    const closed = this.live.end('grant', event.grantId, { reason: end.wire, message: `the grant was ${event.status}`, override: { reason: end.reason } });
    const tunnels = first ? this.registry.serving(event.connectionId) : [];
    for (const tunnel of tunnels) tunnel.revokeGrant(event.grantId, end.wire);
    if (closed > 0 || tunnels.length > 0) this.logger.log({ grantId: event.grantId, status: event.status, sessions: closed, tunnels: tunnels.length }, 'grant ended: sessions closed');
    return closed;
  }

  tokenRevoked(event: TokenRevokedEvent): number {
    return this.cut('token', event.tokenId, 'token_revoked', 'the token that opened this session was revoked', event.by);
  }

  /** Only the reconciler finds these: an expiry is not an event anyone publishes. */
  tokenExpired(tokenId: string): number {
    return this.cut('token', tokenId, 'token_expired', 'the token that opened this session has expired', null);
  }

  identityDisabled(event: IdentityDisabledEvent): number {
    return this.cut('identity', event.identityId, 'identity_disabled', 'the identity of this session was disabled', event.by);
  }

  agentRevoked(event: AgentRevokedEvent): number {
    const tunnels = this.registry.closeAgent(event.agentId, event.revokedBy);
    if (tunnels > 0) this.logger.log({ agentId: event.agentId, tunnels }, 'agent revoked: tunnels closed');
    return tunnels;
  }

  /**
   * The agent needs no word for why: to it the session is simply no longer permitted. The row,
   * the audit event and the client (pg-errors.ts) get the reason itself.
   */
  private cut(scope: SessionScope, id: string, reason: EndReason, message: string, by: string | null): number {
    const closed = this.live.end(scope, id, { reason: CloseReason.NOT_PERMITTED, message, override: { reason, ...(by ? { endedBy: by } : {}) } });
    if (closed > 0) this.logger.log({ [`${scope}Id`]: id, reason, sessions: closed }, 'access ended: sessions closed');
    return closed;
  }
}
