import { Inject, Injectable } from '@nestjs/common';
import type { AccessRequest, AccessRequestStatus, Prisma } from '@jitgate/db';
import { PrismaService, type Db } from '../../platform/database/prisma.service.js';

const DETAIL = {
  requester: { select: { id: true, subject: true, kind: true, displayName: true } },
  connection: { select: { id: true, name: true, type: true } },
  approvals: { orderBy: { createdAt: 'asc' }, include: { approver: { select: { subject: true } } } },
  grant: { select: { id: true, status: true, startsAt: true, expiresAt: true } },
} as const satisfies Prisma.AccessRequestInclude;

export type AccessRequestDetail = Prisma.AccessRequestGetPayload<{ include: typeof DETAIL }>;

export interface AccessRequestFilter {
  status?: AccessRequestStatus;
  requesterId?: string;
  connectionId?: string;
  /** The approver's queue: pending, not theirs, in their groups, not yet voted by them. */
  decidableBy?: { identityId: string; groups: string[]; now: Date };
  afterId?: string;
  limit: number;
}

@Injectable()
export class AccessRequestRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  findDetail(id: string, db: Db = this.prisma.client): Promise<AccessRequestDetail | null> {
    return db.accessRequest.findUnique({ where: { id }, include: DETAIL });
  }

  /** Row lock for the rest of the transaction: two approvers at once are serialised here. */
  async lock(tx: Prisma.TransactionClient, id: string): Promise<AccessRequestDetail | null> {
    await tx.$queryRaw`SELECT id FROM access_requests WHERE id = ${id}::uuid FOR UPDATE`;
    return this.findDetail(id, tx);
  }

  /** Serialises requests of one identity for one connection, so a rate limit cannot be raced. */
  async lockRequester(tx: Prisma.TransactionClient, identityId: string, connectionId: string): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`${identityId}/${connectionId}`}, 0))`;
  }

  async recentCreatedAt(tx: Prisma.TransactionClient, identityId: string, connectionId: string, since: Date): Promise<Date[]> {
    const rows = await tx.accessRequest.findMany({
      where: { requesterId: identityId, connectionId, createdAt: { gt: since } },
      select: { createdAt: true },
    });
    return rows.map((r) => r.createdAt);
  }

  create(tx: Prisma.TransactionClient, data: Prisma.AccessRequestUncheckedCreateInput): Promise<AccessRequest> {
    return tx.accessRequest.create({ data });
  }

  setStatus(tx: Prisma.TransactionClient, id: string, status: AccessRequestStatus, decidedAt: Date): Promise<AccessRequest> {
    return tx.accessRequest.update({ where: { id }, data: { status, decidedAt } });
  }

  addApproval(tx: Prisma.TransactionClient, data: { requestId: string; approverId: string; decision: 'approve' | 'deny'; comment: string }) {
    return tx.approval.create({ data });
  }

  countApprovals(tx: Prisma.TransactionClient, requestId: string): Promise<number> {
    return tx.approval.count({ where: { requestId, decision: 'approve' } });
  }

  list(filter: AccessRequestFilter): Promise<AccessRequestDetail[]> {
    const queue = filter.decidableBy;
    return this.prisma.client.accessRequest.findMany({
      where: {
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.requesterId ? { requesterId: filter.requesterId } : {}),
        ...(filter.connectionId ? { connectionId: filter.connectionId } : {}),
        ...(queue
          ? {
              status: 'pending',
              expiresAt: { gt: queue.now },
              requesterId: { not: queue.identityId },
              approverGroups: { hasSome: queue.groups },
              approvals: { none: { approverId: queue.identityId } },
            }
          : {}),
        ...(filter.afterId ? { id: { gt: filter.afterId } } : {}),
      },
      orderBy: { id: 'asc' },
      take: filter.limit,
      include: DETAIL,
    });
  }

  async overduePendingIds(now: Date, limit: number): Promise<string[]> {
    const rows = await this.prisma.client.accessRequest.findMany({
      where: { status: 'pending', expiresAt: { lte: now } },
      select: { id: true },
      take: limit,
    });
    return rows.map((r) => r.id);
  }
}
