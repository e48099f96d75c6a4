import { Inject, Injectable } from '@nestjs/common';
import type { Policy, PolicySource, Prisma } from '@jitgate/db';
import { PrismaService, type Db } from '../../platform/database/prisma.service.js';

@Injectable()
export class PolicyRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  list(db: Db = this.prisma.client): Promise<Policy[]> {
    return db.policy.findMany({ orderBy: { name: 'asc' } });
  }

  findById(id: string, db: Db = this.prisma.client): Promise<Policy | null> {
    return db.policy.findUnique({ where: { id } });
  }

  findByName(name: string, db: Db = this.prisma.client): Promise<Policy | null> {
    return db.policy.findUnique({ where: { name } });
  }

  /**
   * Changes whenever any policy is created, changed or deleted: compared before each decision,
   * so every replica decides on the current policies without a message bus.
   */
  async fingerprint(): Promise<string> {
    const rows = await this.prisma.client.$queryRaw<Array<{ n: bigint; latest: Date | null; versions: bigint | null }>>`
      SELECT count(*) AS n, max(updated_at) AS latest, sum(version) AS versions FROM policies`;
    const row = rows[0];
    return `${row?.n ?? 0}:${row?.latest?.toISOString() ?? '-'}:${row?.versions ?? 0}`;
  }

  create(tx: Prisma.TransactionClient, data: { name: string; description: string; source: PolicySource; document: Prisma.InputJsonValue }): Promise<Policy> {
    return tx.policy.create({ data });
  }

  replace(tx: Prisma.TransactionClient, id: string, data: { description: string; document: Prisma.InputJsonValue }): Promise<Policy> {
    return tx.policy.update({ where: { id }, data: { ...data, version: { increment: 1 } } });
  }

  delete(tx: Prisma.TransactionClient, id: string): Promise<Policy> {
    return tx.policy.delete({ where: { id } });
  }

  async lockForChanges(tx: Prisma.TransactionClient): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${0x6a67_706f})`; // "jgpo"
  }
}
