import { Inject, Injectable } from '@nestjs/common';
import type { Grant, Prisma } from '@jitgate/db';
import { approverEligibility, evaluate, maxRateWindowSeconds, parseDuration, PolicyError, type Decision } from '@jitgate/policy';
import type { CreateAccessRequestBody } from '@jitgate/contracts';
import { AuditService } from '../audit/audit.service.js';
import { SYSTEM_ACTOR } from '../audit/audit.types.js';
import { actorOf, type Principal } from '../../port/principal.js';
import { Clock } from '../../platform/clock.js';
import { listsEveryone } from '../auth/list-scope.js';
import { conflict, JitgateError, notFound } from '../../platform/errors/jitgate.error.js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import { ConnectionRepository } from '../connection/connection.repository.js';
import { GrantIssuer } from '../grant/grant-issuer.js';
import { MetricsService } from '../../platform/metrics/metrics.service.js';
import { PrismaService } from '../../platform/database/prisma.service.js';
import { QueueService } from '../../platform/queue/queue.service.js';
import { PolicyService } from '../policy/policy.service.js';
import { AccessRequestRepository, type AccessRequestDetail } from './access-request.repository.js';
import type { ListAccessRequestsQuery } from './access-request.schemas.js';

const invalid = (message: string) => new JitgateError('validation_failed', message);

@Injectable()
export class AccessRequestService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(AccessRequestRepository) private readonly requests: AccessRequestRepository,
    @Inject(ConnectionRepository) private readonly connections: ConnectionRepository,
    @Inject(PolicyService) private readonly policies: PolicyService,
    @Inject(GrantIssuer) private readonly grantIssuer: GrantIssuer,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(QueueService) private readonly queue: QueueService,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Evaluates policy at once: denied, granted (auto-approve), or pending for approvers. */
  async create(caller: Principal, body: CreateAccessRequestBody): Promise<AccessRequestDetail> {
    const now = this.clock.now();
    const durationSeconds = this.durationOf(body.duration);
    const startAt = this.startAtOf(body.startAt, now);
    const connection = await this.connections.findByName(body.connection);
    if (!connection || connection.archivedAt) throw notFound('connection', body.connection);
    const compiled = await this.policies.compiled();
    const windowSeconds = maxRateWindowSeconds(compiled);

    const outcome = await this.prisma.transaction(async (tx) => {
      await this.requests.lockRequester(tx, caller.identityId, connection.id);
      const recentRequests = windowSeconds > 0 ? await this.requests.recentCreatedAt(tx, caller.identityId, connection.id, new Date(now.getTime() - windowSeconds * 1000)) : [];
      const decision = evaluate(compiled, {
        identity: { id: caller.identityId, subject: caller.subject, kind: caller.kind, groups: caller.groups, attributes: caller.attributes },
        connection: { name: connection.name, type: connection.type, labels: connection.labels as Record<string, string> },
        request: { durationSeconds, reason: body.reason, scope: body.scope ?? null, startAt },
        now,
        recentRequests,
      });
      const request = await this.requests.create(tx, {
        requesterId: caller.identityId,
        connectionId: connection.id,
        durationSeconds,
        reason: body.reason,
        scope: body.scope ?? null,
        startAt,
        status: decision.effect === 'deny' ? 'denied' : decision.effect === 'auto-approve' ? 'approved' : 'pending',
        decision: decision as unknown as Prisma.InputJsonValue,
        requiredApprovals: decision.effect === 'require-approval' ? decision.approvals.count : 0,
        approverGroups: decision.effect === 'require-approval' ? decision.approvals.groups : [],
        expiresAt: decision.effect === 'require-approval' ? new Date(now.getTime() + this.config.access.requestTtlSeconds * 1000) : null,
        decidedAt: decision.effect === 'require-approval' ? null : now,
      });
      const actor = actorOf(caller);
      await this.audit.record(tx, {
        actor,
        action: 'access_request.created',
        targetType: 'access_request',
        targetId: request.id,
        details: { connection: connection.name, durationSeconds, reason: body.reason, scope: body.scope ?? null, startAt: startAt?.toISOString() ?? null, decision: summarise(decision) },
      });
      let grant: Grant | null = null;
      if (decision.effect === 'deny') {
        await this.audit.record(tx, { actor: SYSTEM_ACTOR, action: 'access_request.denied', targetType: 'access_request', targetId: request.id, details: { by: 'policy', decision: summarise(decision) } });
      } else if (decision.effect === 'auto-approve') {
        await this.audit.record(tx, { actor: SYSTEM_ACTOR, action: 'access_request.approved', targetType: 'access_request', targetId: request.id, details: { by: 'policy', rule: decision.rule } });
        grant = await this.grantIssuer.issue(tx, request, now, SYSTEM_ACTOR, connection.name);
      }
      return { request, grant, decision };
    });

    // After commit: jobs, then metrics.
    if (outcome.grant) await this.grantIssuer.scheduleExpiry(outcome.grant);
    if (outcome.request.status === 'pending' && outcome.request.expiresAt) {
      await this.queue.enqueue('access-request.expire', { requestId: outcome.request.id }, { runAt: outcome.request.expiresAt, jobId: `request-expire-${outcome.request.id}` });
    }
    this.metrics.accessRequests.inc({ outcome: outcome.decision.effect === 'auto-approve' ? 'auto_approved' : outcome.decision.effect === 'deny' ? 'denied' : 'pending' });
    // Built from what this call holds: re-reading it would cost five queries (bench/README.md).
    const { grant } = outcome;
    return {
      ...outcome.request,
      requester: { id: caller.identityId, subject: caller.subject, kind: caller.kind, displayName: caller.displayName },
      connection: { id: connection.id, name: connection.name, type: connection.type },
      approvals: [],
      grant: grant ? { id: grant.id, status: grant.status, startsAt: grant.startsAt, expiresAt: grant.expiresAt } : null,
    };
  }

  async list(caller: Principal, query: ListAccessRequestsQuery): Promise<AccessRequestDetail[]> {
    const view = query.view ?? (query.status === 'pending' ? 'queue' : 'mine');
    const connectionId = query.connection ? await this.connections.idOfName(query.connection) : undefined;
    if (connectionId === null) return [];
    const base = { connectionId, afterId: query.after, limit: query.limit };
    switch (view) {
      case 'queue':
        // Service identities never approve, so their queue is empty by definition.
        if (caller.kind !== 'human' || caller.groups.length === 0) return [];
        return this.requests.list({ ...base, decidableBy: { identityId: caller.identityId, groups: caller.groups, now: this.clock.now() } });
      case 'mine':
        return this.requests.list({ ...base, status: query.status, requesterId: caller.identityId });
      case 'all':
        listsEveryone(caller, 'all');
        return this.requests.list({ ...base, status: query.status });
      default:
        throw invalid('unknown view');
    }
  }

  /** The requester, those who may decide it, admins and auditors may read a request. */
  async get(caller: Principal, id: string): Promise<AccessRequestDetail> {
    const request = await this.requests.findDetail(id);
    if (!request) throw notFound('access request', id);
    const mayRead = request.requesterId === caller.identityId || caller.isAdmin || caller.isAuditor || approverEligibility({ id: caller.identityId, kind: caller.kind, groups: caller.groups }, request).ok;
    if (!mayRead) throw notFound('access request', id);
    return request;
  }

  async cancel(caller: Principal, id: string): Promise<AccessRequestDetail> {
    return this.prisma.transaction(async (tx) => {
      const request = await this.requests.lock(tx, id);
      if (!request || request.requesterId !== caller.identityId) throw notFound('access request', id);
      if (request.status !== 'pending') throw conflict(`the request is ${request.status}, not pending`, { status: request.status });
      await this.requests.setStatus(tx, id, 'cancelled', this.clock.now());
      await this.audit.record(tx, { actor: actorOf(caller), action: 'access_request.cancelled', targetType: 'access_request', targetId: id });
      return (await this.requests.findDetail(id, tx)) as AccessRequestDetail;
    });
  }

  private durationOf(input: string | number): number {
    let seconds: number;
    try {
      seconds = parseDuration(input);
    } catch (error) {
      if (error instanceof PolicyError) throw invalid(`duration: ${error.message}`);
      throw error;
    }
    if (seconds > this.config.access.maxGrantSeconds) {
      throw invalid(`duration may be at most ${this.config.access.maxGrantSeconds} seconds on this gateway`);
    }
    return seconds;
  }

  private startAtOf(input: string | undefined, now: Date): Date | null {
    if (input === undefined) return null;
    const startAt = new Date(input);
    if (startAt.getTime() < now.getTime() - 60_000) throw invalid('startAt is in the past');
    if (startAt.getTime() > now.getTime() + this.config.access.maxStartDelaySeconds * 1000) {
      throw invalid(`startAt may be at most ${this.config.access.maxStartDelaySeconds} seconds from now`);
    }
    return startAt <= now ? null : startAt;
  }
}

function summarise(decision: Decision): Record<string, unknown> {
  return JSON.parse(JSON.stringify(decision)) as Record<string, unknown>;
}
