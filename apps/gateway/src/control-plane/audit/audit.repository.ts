import { Inject, Injectable } from '@nestjs/common';
import type { Prisma } from '@jitgate/db';
import { PrismaService, type Db } from '../../platform/database/prisma.service.js';
import type { StoredEvent } from '../../platform/chain/hash-chain.js';

/** Arbitrary but fixed: the advisory lock that serialises appends to the chain. */
const AUDIT_CHAIN_LOCK = 0x6a67_6175; // "jgau"

export interface AuditQuery {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
  afterSeq?: bigint;
  limit: number;
}

@Injectable()
export class AuditRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  /**
   * Takes the chain lock for the rest of the transaction and returns the head's hash. Holding it
   * until commit makes seq order equal commit order, so the chain never forks.
   */
  async lockChainHead(tx: Prisma.TransactionClient): Promise<string | null> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`;
    const rows = await tx.$queryRaw<Array<{ hash: string }>>`SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1`;
    return rows[0]?.hash ?? null;
  }

  /** One multi-row INSERT; rows get their seq in array order, which is chain order. */
  async insertMany(tx: Prisma.TransactionClient, events: Array<Omit<StoredEvent, 'seq'>>): Promise<void> {
    await tx.auditEvent.createMany({
      data: events.map((event) => ({
        id: event.id,
        at: event.at,
        actorId: event.actorId,
        actorKind: event.actorKind,
        action: event.action,
        targetType: event.targetType,
        targetId: event.targetId,
        details: event.details as Prisma.InputJsonValue,
        prevHash: event.prevHash,
        hash: event.hash,
      })),
    });
  }

  async find(query: AuditQuery, db: Db = this.prisma.client): Promise<StoredEvent[]> {
    return db.auditEvent.findMany({
      where: {
        ...(query.actorId ? { actorId: query.actorId } : {}),
        ...(query.action ? { action: query.action } : {}),
        ...(query.targetType ? { targetType: query.targetType } : {}),
        ...(query.targetId ? { targetId: query.targetId } : {}),
        ...(query.from || query.to ? { at: { ...(query.from ? { gte: query.from } : {}), ...(query.to ? { lt: query.to } : {}) } } : {}),
        ...(query.afterSeq !== undefined ? { seq: { gt: query.afterSeq } } : {}),
      },
      orderBy: { seq: 'asc' },
      take: query.limit,
    });
  }

  /** Events in chain order, a page at a time, for verification. */
  async page(afterSeq: bigint | null, size: number): Promise<StoredEvent[]> {
    return this.prisma.client.auditEvent.findMany({
      where: afterSeq === null ? {} : { seq: { gt: afterSeq } },
      orderBy: { seq: 'asc' },
      take: size,
    });
  }
}
