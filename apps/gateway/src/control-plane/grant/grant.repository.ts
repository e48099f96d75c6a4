import { Inject, Injectable } from '@nestjs/common';
import type { Grant, GrantStatus, Prisma } from '@jitgate/db';
import { PlainSqlPool } from '../../platform/database/plain-sql-pool.js';
import { PrismaService, type Db } from '../../platform/database/prisma.service.js';

export type GrantWithNames = Grant & { connection: { name: string; type: string }; identity: { subject: string; kind: string } };
const WITH_NAMES = { connection: { select: { name: true, type: true } }, identity: { select: { subject: true, kind: true } } } as const;

interface GrantInForceRow {
  id: string;
  request_id: string;
  identity_id: string;
  connection_id: string;
  scope: string | null;
  status: GrantStatus;
  starts_at: Date;
  expires_at: Date;
  ended_at: Date | null;
  ended_by_id: string | null;
  end_reason: string | null;
  created_at: Date;
  connection_name: string;
  connection_type: string;
  subject: string;
  kind: string;
}

@Injectable()
export class GrantRepository {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(PlainSqlPool) private readonly hotPath: PlainSqlPool,
  ) {}

  /**
   * The grant check: an active grant of this identity on the connection named, in force at
   * `now`. One statement on the (identity_id, connection_id, status, expires_at) index joined to
   * the unique connection name — in SQL because Prisma loads each `include` with a query of its
   * own (three round trips for one check), on the plain SQL pool (bench/README.md).
   */
  async findInForce(identityId: string, connectionName: string, now: Date): Promise<GrantWithNames | null> {
    const rows = await this.hotPath.rows<GrantInForceRow>(
      `SELECT g.id, g.request_id, g.identity_id, g.connection_id, g.scope, g.status::text AS status,
              g.starts_at, g.expires_at, g.ended_at, g.ended_by_id, g.end_reason, g.created_at,
              c.name AS connection_name, c.type::text AS connection_type, i.subject, i.kind::text AS kind
       FROM grants g
       JOIN connections c ON c.id = g.connection_id
       JOIN identities i ON i.id = g.identity_id
       WHERE g.identity_id = $1::uuid AND c.name = $2 AND c.archived_at IS NULL
         AND g.status = 'active' AND g.starts_at <= $3 AND g.expires_at > $3
       ORDER BY g.expires_at DESC
       LIMIT 1`,
      [identityId, connectionName, now],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      requestId: row.request_id,
      identityId: row.identity_id,
      connectionId: row.connection_id,
      scope: row.scope,
      status: row.status,
      startsAt: row.starts_at,
      expiresAt: row.expires_at,
      endedAt: row.ended_at,
      endedById: row.ended_by_id,
      endReason: row.end_reason,
      createdAt: row.created_at,
      connection: { name: row.connection_name, type: row.connection_type },
      identity: { subject: row.subject, kind: row.kind },
    };
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
