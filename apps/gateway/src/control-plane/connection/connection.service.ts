import { Inject, Injectable } from '@nestjs/common';
import type { Connection, Prisma } from '@jitgate/db';
import { CONNECTION_SETTINGS } from '@jitgate/contracts';
import { AuditService } from '../audit/audit.service.js';
import { actorOf, type Principal } from '../../port/principal.js';
import { Clock } from '../../platform/clock.js';
import { conflict, JitgateError, notFound } from '../../platform/errors/jitgate.error.js';
import { parseOrThrow } from '../../platform/http/zod-validation.js';
import { GrantRepository } from '../grant/grant.repository.js';
import { PrismaService } from '../../platform/database/prisma.service.js';
import { ConnectionRepository } from './connection.repository.js';
import type { CreateConnectionBody, ListConnectionsQuery, UpdateConnectionBody } from './connection.schemas.js';

@Injectable()
export class ConnectionService {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(ConnectionRepository) private readonly connections: ConnectionRepository,
    @Inject(GrantRepository) private readonly grants: GrantRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  list(query: ListConnectionsQuery): Promise<Connection[]> {
    return this.connections.list(query);
  }

  async get(id: string): Promise<Connection> {
    const connection = await this.connections.findById(id);
    if (!connection) throw notFound('connection', id);
    return connection;
  }

  async create(caller: Principal, body: CreateConnectionBody): Promise<Connection> {
    return this.prisma.transaction(async (tx) => {
      if (await this.connections.findByName(body.name, tx)) throw conflict(`a connection named "${body.name}" already exists`);
      const connection = await this.connections.create(tx, {
        name: body.name,
        type: body.type,
        agentGroup: body.agentGroup,
        labels: body.labels,
        settings: body.settings as Prisma.InputJsonValue,
        credentialRef: body.credentialRef ?? null,
        description: body.description,
      });
      await this.audit.record(tx, {
        actor: actorOf(caller),
        action: 'connection.created',
        targetType: 'connection',
        targetId: connection.id,
        details: { name: connection.name, type: connection.type, agentGroup: connection.agentGroup, credentialRef: connection.credentialRef },
      });
      return connection;
    });
  }

  async update(caller: Principal, id: string, body: UpdateConnectionBody): Promise<Connection> {
    return this.prisma.transaction(async (tx) => {
      const existing = await this.connections.findById(id, tx);
      if (!existing) throw notFound('connection', id);
      if (existing.archivedAt) throw conflict('the connection is archived');
      const settings = body.settings ? parseOrThrow(CONNECTION_SETTINGS[existing.type], body.settings, 'body') : undefined;
      const updated = await this.connections.update(tx, id, {
        ...(body.agentGroup !== undefined ? { agentGroup: body.agentGroup } : {}),
        ...(body.labels !== undefined ? { labels: body.labels } : {}),
        ...(settings !== undefined ? { settings: settings as Prisma.InputJsonValue } : {}),
        ...(body.credentialRef !== undefined ? { credentialRef: body.credentialRef } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
      });
      await this.audit.record(tx, {
        actor: actorOf(caller),
        action: 'connection.updated',
        targetType: 'connection',
        targetId: id,
        details: { changes: { ...body, ...(settings ? { settings } : {}) } },
      });
      return updated;
    });
  }

  /** Archived connections keep their history; new requests for them are refused. */
  async archive(caller: Principal, id: string): Promise<Connection> {
    return this.prisma.transaction(async (tx) => {
      const existing = await this.connections.findById(id, tx);
      if (!existing) throw notFound('connection', id);
      if (existing.archivedAt) return existing;
      const active = await this.grants.countActiveForConnection(id, this.clock.now(), tx);
      if (active > 0) {
        throw new JitgateError('conflict', `the connection has ${active} active grant(s); revoke them first`, { activeGrants: active });
      }
      const archived = await this.connections.update(tx, id, { archivedAt: this.clock.now() });
      await this.audit.record(tx, { actor: actorOf(caller), action: 'connection.archived', targetType: 'connection', targetId: id, details: { name: existing.name } });
      return archived;
    });
  }
}
