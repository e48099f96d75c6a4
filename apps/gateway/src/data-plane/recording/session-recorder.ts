import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../../control-plane/audit/audit.service.js';
import type { AuditActor } from '../../control-plane/audit/audit.types.js';
import { PrismaService } from '../../platform/database/prisma.service.js';
import { SessionRepository } from '../../control-plane/session/session.repository.js';

export interface OpenedSession {
  id: string;
  actor: AuditActor;
  identityId: string;
  /** The gateway token it was opened with (null: an OIDC JWT), kept in its audit event. */
  tokenId: string | null;
  grantId: string;
  connectionId: string;
  connectionName: string;
  agentId: string;
  agentName: string;
  gatewayId: string;
  clientAddress: string;
  startedAt: Date;
}

export interface ClosedSession {
  id: string;
  identityId: string;
  grantId: string;
  connectionName: string;
  endedAt: Date;
  endReason: string;
  /** "local", "peer", or the identity that ended it. */
  endedBy: string;
  /** Whoever the audit names: the identity when its client hung up, else the system. */
  actor: AuditActor;
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
  /** Protocol-aware sessions: how many events were recorded, and the head of their chain. */
  events?: { count: number; head: string };
}

/** Writes a session's row and its audit event together, one transaction each for start and end. */
@Injectable()
export class SessionRecorder {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(SessionRepository) private readonly sessions: SessionRepository,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  async opened(session: OpenedSession): Promise<void> {
    await this.prisma.transaction(async (tx) => {
      await this.sessions.create(tx, {
        id: session.id,
        identityId: session.identityId,
        grantId: session.grantId,
        connectionId: session.connectionId,
        agentId: session.agentId,
        gatewayId: session.gatewayId,
        clientAddress: session.clientAddress,
        startedAt: session.startedAt,
      });
      await this.audit.record(tx, {
        actor: session.actor,
        action: 'session.opened',
        targetType: 'session',
        targetId: session.id,
        details: {
          identityId: session.identityId,
          tokenId: session.tokenId,
          grantId: session.grantId,
          connection: session.connectionName,
          agentId: session.agentId,
          agent: session.agentName,
          gatewayId: session.gatewayId,
          clientAddress: session.clientAddress,
          startedAt: session.startedAt.toISOString(),
        },
      });
    });
  }

  async closed(session: ClosedSession): Promise<void> {
    await this.prisma.transaction(async (tx) => {
      const ended = await this.sessions.end(tx, session.id, {
        endedAt: session.endedAt,
        endReason: session.endReason,
        endedBy: session.endedBy,
        bytesUp: BigInt(session.bytesUp),
        bytesDown: BigInt(session.bytesDown),
        ...(session.events ? { eventCount: session.events.count, eventsHead: session.events.head } : {}),
      });
      if (!ended) return;
      await this.audit.record(tx, {
        actor: session.actor,
        action: 'session.closed',
        targetType: 'session',
        targetId: session.id,
        details: {
          identityId: session.identityId,
          grantId: session.grantId,
          connection: session.connectionName,
          endReason: session.endReason,
          endedBy: session.endedBy,
          endedAt: session.endedAt.toISOString(),
          durationMs: session.durationMs,
          bytesUp: session.bytesUp,
          bytesDown: session.bytesDown,
          // Ties the recording (session_events) to the audit chain: editing it breaks this link.
          ...(session.events ? { events: session.events.count, eventsHead: session.events.head } : {}),
        },
      });
    });
  }
}
