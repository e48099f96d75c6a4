import { Inject, Injectable } from '@nestjs/common';
import type { Grant, GrantStatus, Prisma } from '@jitgate/db';
import { PrismaService, type Db } from '../infra/prisma.service.js';

export type GrantWithNames = Grant & { connection: { name: string; type: string }; identity: { subject: string; kind: string } };
const WITH_NAMES = { connection: { select: { name: true, type: true } }, identity: { select: { subject: true, kind: true } } } as const;

@Injectable()
export class GrantRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  /**
   * The grant check: an active grant of this identity on the connection named, in force at
   * `now`. One query on the (identity_id, connection_id, status, expires_at) index joined to the
   * unique connection name.
   */
  findInForce(identityId: string, connectionName: string, now: Date): Promise<GrantWithNames | null> {
    return this.prisma.client.grant.findFirst({
      where: { identityId, status: 'active', startsAt: { lte: now }, expiresAt: { gt: now }, connection: { name: connectionName, archivedAt: null } },
      orderBy: { expiresAt: 'desc' },
      include: WITH_NAMES,
    });
  }

  findById(id: string, db: Db = this.prisma.client): Promise<GrantWithNames | null> {
    return db.grant.findUnique({ where: { id }, include: WITH_NAMES });
  }

  /** Locks the row for the rest of the transaction, so revoke, release and expiry cannot interleave. */
  async lock(tx: Prisma.TransactionClient, id: string): Promise<GrantWithNames | null> {
    await tx.$queryRaw`SELECT id FROM grants WHERE id = ${id}::uuid FOR UPDATE`;
    return this.findById(id, tx);
  }

  list(filter: { identityId?: string; connectionId?: string; activeAt?: Date; status?: GrantStatus; afterId?: string; limit: number }): Promise<GrantWithNames[]> {
    return this.prisma.client.grant.findMany({
      where: {
        ...(filter.identityId ? { identityId: filter.identityId } : {}),
        ...(filter.connectionId ? { connectionId: filter.connectionId } : {}),
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.activeAt ? { status: 'active', startsAt: { lte: filter.activeAt }, expiresAt: { gt: filter.activeAt } } : {}),
        ...(filter.afterId ? { id: { gt: filter.afterId } } : {}),
      },
      orderBy: { id: 'asc' },
      take: filter.limit,
      include: WITH_NAMES,
    });
  }

  create(tx: Prisma.TransactionClient, data: Prisma.GrantUncheckedCreateInput): Promise<Grant> {
    return tx.grant.create({ data });
  }

  end(tx: Prisma.TransactionClient, id: string, status: Exclude<GrantStatus, 'active'>, at: Date, endedById: string | null, reason: string): Promise<Grant> {
    return tx.grant.update({ where: { id }, data: { status, endedAt: at, endedById, endReason: reason } });
  }

  countActiveForConnection(connectionId: string, now: Date, db: Db = this.prisma.client): Promise<number> {
    return db.grant.count({ where: { connectionId, status: 'active', expiresAt: { gt: now } } });
  }

  /** Ids of grants still marked active whose time has passed: the sweeper's work list. */
  async overdueIds(now: Date, limit: number): Promise<string[]> {
    const rows = await this.prisma.client.grant.findMany({
      where: { status: 'active', expiresAt: { lte: now } },
      select: { id: true },
      orderBy: { expiresAt: 'asc' },
      take: limit,
    });
    return rows.map((r) => r.id);
  }
}
