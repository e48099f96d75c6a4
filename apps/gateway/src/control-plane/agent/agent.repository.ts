import { Inject, Injectable } from '@nestjs/common';
import type { Agent, Prisma } from '@jitgate/db';
import { PrismaService, type Db } from '../../platform/database/prisma.service.js';

/** What the API shows: never the hash. */
const AGENT_PUBLIC_FIELDS = {
  id: true,
  name: true,
  agentGroup: true,
  prefix: true,
  labels: true,
  version: true,
  lastSeenAt: true,
  revokedAt: true,
  createdById: true,
  createdAt: true,
} as const;

export type PublicAgent = Omit<Agent, 'tokenHash'>;

@Injectable()
export class AgentRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  /** The tunnel's authentication lookup: one probe of the unique index on token_hash. */
  findByTokenHash(tokenHash: string): Promise<PublicAgent | null> {
    return this.prisma.client.agent.findUnique({ where: { tokenHash }, select: AGENT_PUBLIC_FIELDS });
  }

  findById(id: string, db: Db = this.prisma.client): Promise<PublicAgent | null> {
    return db.agent.findUnique({ where: { id }, select: AGENT_PUBLIC_FIELDS });
  }

  findByName(name: string, db: Db = this.prisma.client): Promise<PublicAgent | null> {
    return db.agent.findUnique({ where: { name }, select: AGENT_PUBLIC_FIELDS });
  }

  list(filter: { group?: string; includeRevoked: boolean; afterId?: string; limit: number }): Promise<PublicAgent[]> {
    return this.prisma.client.agent.findMany({
      where: {
        ...(filter.group ? { agentGroup: filter.group } : {}),
        ...(filter.includeRevoked ? {} : { revokedAt: null }),
        ...(filter.afterId ? { id: { gt: filter.afterId } } : {}),
      },
      orderBy: { id: 'asc' },
      take: filter.limit,
      select: AGENT_PUBLIC_FIELDS,
    });
  }

  create(tx: Prisma.TransactionClient, agent: { name: string; agentGroup: string; tokenHash: string; prefix: string; labels: Record<string, string>; createdById: string }): Promise<PublicAgent> {
    return tx.agent.create({ data: agent, select: AGENT_PUBLIC_FIELDS });
  }

  /** Returns false when the agent was already revoked (so the second call changes nothing). */
  async revoke(tx: Prisma.TransactionClient, id: string, at: Date): Promise<boolean> {
    const result = await tx.agent.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
    return result.count === 1;
  }

  /** Best effort bookkeeping from the tunnel: when an instance was last heard, and its version. */
  async recordSeen(id: string, at: Date, version?: string): Promise<void> {
    await this.prisma.client.agent.updateMany({ where: { id }, data: { lastSeenAt: at, ...(version !== undefined ? { version } : {}) } });
  }
}
