// What a guardrail holds for a human: a SQL statement (docs/postgres.md, "Approvals"), an HTTP
// request or an MCP tool call (docs/http.md). The held call becomes an access request of kind "statement" in the same queue approvers already
// work from (GET /v1/access-requests?status=pending); approve and deny are the same calls. The
// session waits, polling the row: the approver may be talking to any replica, and a poll needs
// no extra channel to be right. Approval runs the statement once, in that session; it grants
// nothing else.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import type { Prisma } from '@jitgate/db';
import { AuditService } from '../audit/audit.service.js';
import { SYSTEM_ACTOR } from '../audit/audit.types.js';
import { Clock } from '../../platform/clock.js';
import { PrismaService } from '../../platform/database/prisma.service.js';
import { AccessRequestRepository } from './access-request.repository.js';
import { MAX_PENDING_HOLDS, TooManyHeld, type HeldOutcome, type HeldStatement } from '../../port/holds.js';

const POLL_MS = 200;

@Injectable()
export class ApprovalHoldService {
  private readonly logger = new Logger('ApprovalHolds');

  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(AccessRequestRepository) private readonly requests: AccessRequestRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Creates the request; returns its id at once, so the session can name it while it waits. */
  async hold(held: HeldStatement): Promise<string> {
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + held.timeoutSeconds * 1000);
    return this.prisma.transaction(async (tx) => {
      // Under the same per-(identity, connection) lock as access requests, so concurrent holds count right.
      await this.requests.lockRequester(tx, held.identityId, held.connectionId);
      const waiting = await tx.accessRequest.count({ where: { requesterId: held.identityId, kind: 'statement', status: 'pending', expiresAt: { gt: now } } });
      if (waiting >= MAX_PENDING_HOLDS) throw new TooManyHeld();
      const request = await this.requests.create(tx, {
        kind: 'statement',
        requesterId: held.identityId,
        connectionId: held.connectionId,
        sessionId: held.sessionId,
        statement: held.statement,
        parameters: (held.parameters ?? undefined) as Prisma.InputJsonValue | undefined,
        durationSeconds: 0,
        reason: `statement held by session ${held.sessionId} (${held.classes.join(', ')})`,
        scope: null,
        startAt: null,
        status: 'pending',
        decision: {
          effect: 'require-approval',
          rule: held.rule,
          classes: held.classes,
          approvals: held.approvals,
          ...(held.prepared?.length ? { prepared: held.prepared } : {}),
        } as unknown as Prisma.InputJsonValue,
        requiredApprovals: held.approvals.count,
        approverGroups: held.approvals.groups,
        expiresAt,
        decidedAt: null,
      });
      await this.audit.record(tx, {
        actor: { id: held.identityId, kind: held.identityKind },
        action: 'statement.held',
        targetType: 'access_request',
        targetId: request.id,
        details: { sessionId: held.sessionId, grantId: held.grantId, classes: held.classes, rule: held.rule, expiresAt: expiresAt.toISOString() },
      });
      return request.id;
    });
  }

  /**
   * Waits for the decision until the request's own deadline, or until `signal` aborts (the
   * session ended). On time-out the request is marked expired, so a late approval cannot land.
   */
  async waitFor(requestId: string, timeoutSeconds: number, signal: AbortSignal): Promise<HeldOutcome> {
    const deadline = this.clock.now().getTime() + timeoutSeconds * 1000;
    while (!signal.aborted) {
      const row = await this.prisma.client.accessRequest.findUnique({ where: { id: requestId }, select: { status: true } });
      if (!row) return { requestId, status: 'cancelled' };
      if (row.status === 'approved') return { requestId, status: 'approved' };
      if (row.status === 'denied') return { requestId, status: 'denied' };
      if (row.status === 'expired') return { requestId, status: 'timed_out' };
      if (row.status === 'cancelled') return { requestId, status: 'cancelled' };
      if (this.clock.now().getTime() >= deadline) break;
      // An abort (the session ended) only ends the wait early; the loop sees signal.aborted.
      await delay(Math.min(POLL_MS, Math.max(1, deadline - this.clock.now().getTime())), undefined, { signal }).catch(() => undefined);
    }
    return this.close(requestId, signal.aborted ? 'cancelled' : 'expired');
  }

  /** Ends a pending request; if an approver decided in the same instant, their decision stands. */
  private async close(requestId: string, status: 'expired' | 'cancelled'): Promise<HeldOutcome> {
    const now = this.clock.now();
    try {
      const final = await this.prisma.transaction(async (tx) => {
        const request = await this.requests.lock(tx, requestId);
        if (!request) return 'cancelled' as const;
        if (request.status !== 'pending') return request.status;
        await this.requests.setStatus(tx, requestId, status, now);
        await this.audit.record(tx, {
          actor: SYSTEM_ACTOR,
          action: status === 'expired' ? 'access_request.expired' : 'access_request.cancelled',
          targetType: 'access_request',
          targetId: requestId,
          details: { via: 'session' },
        });
        return status;
      });
      if (final === 'approved' || final === 'denied') return { requestId, status: final };
      return { requestId, status: final === 'expired' ? 'timed_out' : 'cancelled' };
    } catch (error) {
      // Fail closed: whatever happened, the statement does not run.
      this.logger.error({ requestId, err: error }, 'could not close a held statement request');
      return { requestId, status: 'timed_out' };
    }
  }
}
