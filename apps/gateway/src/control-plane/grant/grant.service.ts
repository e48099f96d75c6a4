import { Inject, Injectable } from '@nestjs/common';
import type { LiveSessionsNotice } from '../../port/access-events.js';
import { AccessEventsPublisher } from '../access-events/access-events.publisher.js';
import { AuditService } from '../audit/audit.service.js';
import { SYSTEM_ACTOR, type AuditActor } from '../audit/audit.types.js';
import { actorOf, type Principal } from '../../port/principal.js';
import { Clock } from '../../platform/clock.js';
import { listsEveryone } from '../auth/list-scope.js';
import { conflict, forbidden, notFound } from '../../platform/errors/jitgate.error.js';
import { MetricsService } from '../../platform/metrics/metrics.service.js';
import { ConnectionRepository } from '../connection/connection.repository.js';
import { PrismaService } from '../../platform/database/prisma.service.js';
import { GrantRepository, type GrantWithNames } from './grant.repository.js';
import type { GrantCheckQuery, ListGrantsQuery } from './grant.schemas.js';

export type EndVia = 'job' | 'sweeper' | 'api';

/** A grant an API call ended, and what that means for its live sessions. */
export interface EndedGrant {
  grant: GrantWithNames;
  liveSessions: LiveSessionsNotice;
}

export interface GrantCheckResult {
  allowed: boolean;
  grant: GrantWithNames | null;
}

@Injectable()
export class GrantService {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(GrantRepository) private readonly grants: GrantRepository,
    @Inject(ConnectionRepository) private readonly connections: ConnectionRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(AccessEventsPublisher) private readonly events: AccessEventsPublisher,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** May `identityId` use the connection named, now, and with which scope? Reads the database: no stale cache can keep a revoked grant alive. */
  async check(identityId: string, connectionName: string): Promise<GrantCheckResult> {
    const grant = await this.grants.findInForce(identityId, connectionName, this.clock.now());
    this.metrics.grantChecks.inc({ result: grant ? 'allowed' : 'denied' });
    return { allowed: grant !== null, grant };
  }

  async checkFor(caller: Principal, query: GrantCheckQuery): Promise<GrantCheckResult> {
    const identityId = query.identity ?? caller.identityId;
    if (identityId !== caller.identityId && !caller.isAdmin) throw forbidden('only admins check the grants of other identities');
    return this.check(identityId, query.connection);
  }

  async list(caller: Principal, query: ListGrantsQuery): Promise<GrantWithNames[]> {
    const everyone = listsEveryone(caller, query.view);
    const connectionId = query.connection ? await this.connections.idOfName(query.connection) : undefined;
    if (connectionId === null) return [];
    return this.grants.list({
      identityId: everyone ? query.identity : caller.identityId,
      connectionId,
      status: query.status,
      activeAt: query.active ? this.clock.now() : undefined,
      afterId: query.after,
      limit: query.limit,
    });
  }

  async get(caller: Principal, id: string): Promise<GrantWithNames> {
    const grant = await this.grants.findById(id);
    if (!grant || (grant.identityId !== caller.identityId && !caller.isAdmin && !caller.isAuditor)) throw notFound('grant', id);
    return grant;
  }

  /** An admin ends someone's grant early. */
  async revoke(caller: Principal, id: string, reason: string): Promise<EndedGrant> {
    return this.end(id, 'revoked', actorOf(caller), reason || 'revoked by an admin', 'api', () => {});
  }

  /** The holder gives the grant back when the task is done. */
  async release(caller: Principal, id: string, reason: string): Promise<EndedGrant> {
    return this.end(id, 'released', actorOf(caller), reason || 'released by its holder', 'api', (grant) => {
      if (grant.identityId !== caller.identityId) throw notFound('grant', id);
    });
  }

  /**
   * Closes a grant whose time is up. Idempotent: the delayed job and the sweeper may both get
   * here, and a grant that is no longer active or not yet due is left alone.
   */
  async expire(id: string, via: Exclude<EndVia, 'api'>): Promise<boolean> {
    const now = this.clock.now();
    const ended = await this.prisma.transaction(async (tx) => {
      const grant = await this.grants.lock(tx, id);
      if (grant?.status !== 'active' || grant.expiresAt > now) return null;
      await this.grants.end(tx, id, 'expired', now, null, 'expired');
      await this.audit.record(tx, {
        actor: SYSTEM_ACTOR,
        action: 'grant.expired',
        targetType: 'grant',
        targetId: id,
        details: { identityId: grant.identityId, connection: grant.connection.name, expiresAt: grant.expiresAt.toISOString(), via },
      });
      return grant;
    });
    if (!ended) return false;
    this.metrics.grantsEnded.inc({ status: 'expired', via });
    await this.events.grantEnded({ type: 'grant.ended', grantId: id, identityId: ended.identityId, connectionId: ended.connectionId, status: 'expired' });
    return true;
  }

  overdueIds(limit: number): Promise<string[]> {
    return this.grants.overdueIds(this.clock.now(), limit);
  }

  private async end(id: string, status: 'revoked' | 'released', actor: AuditActor, reason: string, via: EndVia, authorise: (grant: GrantWithNames) => void): Promise<EndedGrant> {
    const now = this.clock.now();
    const grant = await this.prisma.transaction(async (tx) => {
      const current = await this.grants.lock(tx, id);
      if (!current) throw notFound('grant', id);
      authorise(current);
      if (current.status !== 'active') throw conflict(`the grant is already ${current.status}`, { status: current.status });
      if (current.expiresAt <= now) throw conflict('the grant has already expired', { status: 'expired' });
      await this.grants.end(tx, id, status, now, actor.id, reason);
      await this.audit.record(tx, {
        actor,
        action: status === 'revoked' ? 'grant.revoked' : 'grant.released',
        targetType: 'grant',
        targetId: id,
        details: { identityId: current.identityId, connection: current.connection.name, reason },
      });
      return (await this.grants.findById(id, tx)) as GrantWithNames;
    });
    this.metrics.grantsEnded.inc({ status, via });
    const liveSessions = await this.events.grantEnded({ type: 'grant.ended', grantId: id, identityId: grant.identityId, connectionId: grant.connectionId, status });
    return { grant, liveSessions };
  }
}
