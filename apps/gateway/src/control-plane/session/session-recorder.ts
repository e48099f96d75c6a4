import { Inject, Injectable } from '@nestjs/common';
import type { ClosedSession, OpenedSession } from '../../port/session-records.js';
import { AuditService } from '../audit/audit.service.js';
import { PrismaService } from '../../platform/database/prisma.service.js';
import { SessionRepository } from './session.repository.js';

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
