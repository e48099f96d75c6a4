import { Inject, Injectable } from '@nestjs/common';
import type { Prisma, Session } from '@jitgate/db';
import { PrismaService } from '../../platform/database/prisma.service.js';

export type SessionWithNames = Session & {
  identity: { subject: string };
  connection: { name: string };
  agent: { name: string };
};
const WITH_NAMES = { identity: { select: { subject: true } }, connection: { select: { name: true } }, agent: { select: { name: true } } } as const;

export interface SessionFilter {
  identityId?: string;
  grantId?: string;
  connectionId?: string;
  agentId?: string;
  activeOnly: boolean;
  /** Page on: the id of the last session of the previous page. */
  afterId?: string;
  limit: number;
}

@Injectable()
export class SessionRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  create(tx: Prisma.TransactionClient, data: Prisma.SessionUncheckedCreateInput): Promise<Session> {
    return tx.session.create({ data });
  }

  /** Completes the row once; returns false if it was already ended. */
  async end(
    tx: Prisma.TransactionClient,
    id: string,
    end: { endedAt: Date; endReason: string; endedBy: string; bytesUp: bigint; bytesDown: bigint; eventCount?: number; eventsHead?: string },
  ): Promise<boolean> {
    const result = await tx.session.updateMany({ where: { id, endedAt: null }, data: end });
    return result.count === 1;
  }

  /** Sessions without an end, for the orphan check (few: one per live connection). */
  openRows(): Promise<SessionWithNames[]> {
    return this.prisma.client.session.findMany({ where: { endedAt: null }, include: WITH_NAMES, take: 10_000 });
  }

  findById(id: string): Promise<SessionWithNames | null> {
    return this.prisma.client.session.findUnique({ where: { id }, include: WITH_NAMES });
  }

  /** Newest first, on the (identity_id, started_at), (grant_id) and (started_at) indexes. */
  list(filter: SessionFilter): Promise<SessionWithNames[]> {
    return this.prisma.client.session.findMany({
      where: {
        ...(filter.identityId ? { identityId: filter.identityId } : {}),
        ...(filter.grantId ? { grantId: filter.grantId } : {}),
        ...(filter.connectionId ? { connectionId: filter.connectionId } : {}),
        ...(filter.agentId ? { agentId: filter.agentId } : {}),
        ...(filter.activeOnly ? { endedAt: null } : {}),
      },
      orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
      ...(filter.afterId ? { cursor: { id: filter.afterId }, skip: 1 } : {}),
      take: filter.limit,
      include: WITH_NAMES,
    });
  }
}
