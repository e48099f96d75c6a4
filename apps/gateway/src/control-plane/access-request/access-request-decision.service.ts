import { Inject, Injectable } from '@nestjs/common';
import type { Grant, Prisma } from '@jitgate/db';
import { approverEligibility } from '@jitgate/policy';
import { AuditService } from '../audit/audit.service.js';
import { SYSTEM_ACTOR } from '../audit/audit.types.js';
import { actorOf, type Principal } from '../../port/principal.js';
import { Clock } from '../../platform/clock.js';
import { conflict, forbidden, notFound } from '../../platform/errors/jitgate.error.js';
import { GrantIssuer } from '../grant/grant-issuer.js';
import { MetricsService } from '../../platform/metrics/metrics.service.js';
import { PrismaService } from '../../platform/database/prisma.service.js';
import { AccessRequestRepository, type AccessRequestDetail } from './access-request.repository.js';

type Outcome = { kind: 'decided'; request: AccessRequestDetail; grant: Grant | null } | { kind: 'expired' };

/**
 * Approvals, denials and expiry of pending requests. Each runs in one transaction with the
 * request row locked, so two approvers at once are counted one after the other and the second
 * sees the first's outcome; the grant's unique request_id is the last line of defence.
 */
@Injectable()
export class AccessRequestDecisionService {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(AccessRequestRepository) private readonly requests: AccessRequestRepository,
    @Inject(GrantIssuer) private readonly grantIssuer: GrantIssuer,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async approve(caller: Principal, id: string, comment: string): Promise<AccessRequestDetail> {
    return this.decide(caller, id, 'approve', comment);
  }

  async deny(caller: Principal, id: string, comment: string): Promise<AccessRequestDetail> {
    return this.decide(caller, id, 'deny', comment);
  }

  /** Idempotent: the delayed job and the sweeper may both call it. */
  async expire(id: string, via: 'job' | 'sweeper'): Promise<boolean> {
    const now = this.clock.now();
    const expired = await this.prisma.transaction(async (tx) => {
      const request = await this.requests.lock(tx, id);
      if (request?.status !== 'pending' || !request.expiresAt || request.expiresAt > now) return false;
      await this.markExpired(tx, id, now, via);
      return true;
    });
    if (expired) this.metrics.requestTransitions.inc({ status: 'expired' });
    return expired;
  }

  overduePendingIds(limit: number): Promise<string[]> {
    return this.requests.overduePendingIds(this.clock.now(), limit);
  }

  private async decide(caller: Principal, id: string, decision: 'approve' | 'deny', comment: string): Promise<AccessRequestDetail> {
    if (caller.kind === 'service') throw forbidden('service identities cannot approve or deny requests');
    const now = this.clock.now();
    const outcome: Outcome = await this.prisma.transaction(async (tx) => {
      const request = await this.requests.lock(tx, id);
      if (!request) throw notFound('access request', id);
      const eligibility = approverEligibility({ id: caller.identityId, kind: caller.kind, groups: caller.groups }, request);
      if (!eligibility.ok) throw forbidden(eligibility.reason);
      if (request.status !== 'pending') throw conflict(`the request is ${request.status}, not pending`, { status: request.status });
      if (request.expiresAt && request.expiresAt <= now) {
        // Commit the expiry, then tell the approver.
        await this.markExpired(tx, id, now, 'api');
        return { kind: 'expired' };
      }
      if (request.approvals.some((a) => a.approverId === caller.identityId)) {
        throw conflict('you have already decided this request');
      }
      await this.requests.addApproval(tx, { requestId: id, approverId: caller.identityId, decision, comment });
      const actor = actorOf(caller);
      if (decision === 'deny') {
        await this.requests.setStatus(tx, id, 'denied', now);
        await this.audit.record(tx, { actor, action: 'access_request.denied', targetType: 'access_request', targetId: id, details: { by: 'approver', comment } });
        return { kind: 'decided', request: (await this.requests.findDetail(id, tx))!, grant: null };
      }
      const approvals = await this.requests.countApprovals(tx, id);
      await this.audit.record(tx, {
        actor,
        action: 'access_request.approval_recorded',
        targetType: 'access_request',
        targetId: id,
        details: { comment, approvals, required: request.requiredApprovals },
      });
      let grant: Grant | null = null;
      if (approvals >= request.requiredApprovals) {
        const approved = await this.requests.setStatus(tx, id, 'approved', now);
        await this.audit.record(tx, { actor, action: 'access_request.approved', targetType: 'access_request', targetId: id, details: { by: 'approvers', approvals } });
        // A held statement is approved for the session that holds it; it grants nothing.
        if (request.kind === 'access') grant = await this.grantIssuer.issue(tx, approved, now, actor, request.connection.name);
      }
      return { kind: 'decided', request: (await this.requests.findDetail(id, tx))!, grant };
    });

    if (outcome.kind === 'expired') {
      this.metrics.requestTransitions.inc({ status: 'expired' });
      throw conflict('the request expired before it was decided', { status: 'expired' });
    }
    if (outcome.grant) await this.grantIssuer.scheduleExpiry(outcome.grant);
    if (outcome.request.status !== 'pending') this.metrics.requestTransitions.inc({ status: outcome.request.status });
    return outcome.request;
  }

  private async markExpired(tx: Prisma.TransactionClient, id: string, now: Date, via: string): Promise<void> {
    await this.requests.setStatus(tx, id, 'expired', now);
    await this.audit.record(tx, { actor: SYSTEM_ACTOR, action: 'access_request.expired', targetType: 'access_request', targetId: id, details: { via } });
  }
}
