import { Inject, Injectable } from '@nestjs/common';
import type { JobHandler, JobPayloads } from '../../platform/queue/queue.registry.js';
import { AccessRequestDecisionService } from './access-request-decision.service.js';

/** The delayed job scheduled at the end of a pending request's TTL. */
@Injectable()
export class AccessRequestExpiryProcessor implements JobHandler<'access-request.expire'> {
  readonly jobName = 'access-request.expire' as const;

  constructor(@Inject(AccessRequestDecisionService) private readonly decisions: AccessRequestDecisionService) {}

  async handle(payload: JobPayloads['access-request.expire']): Promise<void> {
    await this.decisions.expire(payload.requestId, 'job');
  }
}
