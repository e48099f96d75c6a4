import { Inject, Injectable } from '@nestjs/common';
import type { AccessRequest, Grant, Prisma } from '@jitgate/db';
import { AuditService } from '../audit/audit.service.js';
import type { AuditActor } from '../audit/audit.types.js';
import { QueueService } from '../../platform/queue/queue.service.js';
import { GrantRepository } from './grant.repository.js';

/**
 * Creates the grant of an approved request. The grant's clock starts at approval (or at the
 * request's later startAt), never at the time of the request.
 */
@Injectable()
export class GrantIssuer {
  constructor(
    @Inject(GrantRepository) private readonly grants: GrantRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(QueueService) private readonly queue: QueueService,
  ) {}

  /** Inside the approving transaction. The unique request_id makes a second grant impossible. */
  async issue(tx: Prisma.TransactionClient, request: AccessRequest, approvedAt: Date, actor: AuditActor, connectionName: string): Promise<Grant> {
    const startsAt = request.startAt && request.startAt > approvedAt ? request.startAt : approvedAt;
    const expiresAt = new Date(startsAt.getTime() + request.durationSeconds * 1000);
    const grant = await this.grants.create(tx, {
      requestId: request.id,
      identityId: request.requesterId,
      connectionId: request.connectionId,
      scope: request.scope,
      status: 'active',
      startsAt,
      expiresAt,
    });
    await this.audit.record(tx, {
      actor,
      action: 'grant.created',
      targetType: 'grant',
      targetId: grant.id,
      details: {
        requestId: request.id,
        identityId: request.requesterId,
        connection: connectionName,
        scope: request.scope,
        startsAt: startsAt.toISOString(),
        expiresAt: expiresAt.toISOString(),
      },
    });
    return grant;
  }

  /** After commit: the delayed job that closes the grant on time (the sweeper backs it up). */
  async scheduleExpiry(grant: Grant): Promise<void> {
    await this.queue.enqueue('grant.expire', { grantId: grant.id }, { runAt: grant.expiresAt, jobId: `grant-expire-${grant.id}` });
  }
}
