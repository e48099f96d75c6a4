import { Inject, Injectable } from '@nestjs/common';
import type { Connection, ConnectionType, Prisma } from '@jitgate/db';
import { PrismaService, type Db } from '../../platform/database/prisma.service.js';

@Injectable()
export class ConnectionRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  findById(id: string, db: Db = this.prisma.client): Promise<Connection | null> {
    return db.connection.findUnique({ where: { id } });
  }

  /** For list filters by connection name: the id, or null when no connection has that name. */
  async idOfName(name: string): Promise<string | null> {
    return (await this.prisma.client.connection.findUnique({ where: { name }, select: { id: true } }))?.id ?? null;
  }

  findByName(name: string, db: Db = this.prisma.client): Promise<Connection | null> {
    return db.connection.findUnique({ where: { name } });
  }

  /** The connections an agent names in its Hello, in one query. */
  findByNames(names: string[], db: Db = this.prisma.client): Promise<Connection[]> {
    return db.connection.findMany({ where: { name: { in: names } } });
  }

  list(filter: { type?: ConnectionType; name?: string; includeArchived: boolean }): Promise<Connection[]> {
    return this.prisma.client.connection.findMany({
      where: {
        ...(filter.type ? { type: filter.type } : {}),
        ...(filter.name ? { name: filter.name } : {}),
        ...(filter.includeArchived ? {} : { archivedAt: null }),
      },
      orderBy: { name: 'asc' },
    });
  }

  create(tx: Prisma.TransactionClient, data: Prisma.ConnectionCreateInput): Promise<Connection> {
    return tx.connection.create({ data });
  }

  update(tx: Prisma.TransactionClient, id: string, data: Prisma.ConnectionUpdateInput): Promise<Connection> {
    return tx.connection.update({ where: { id }, data });
  }
}
