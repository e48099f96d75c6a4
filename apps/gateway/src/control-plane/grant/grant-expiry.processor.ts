import { Inject, Injectable } from '@nestjs/common';
import type { JobHandler, JobPayloads } from '../../platform/queue/queue.registry.js';
import { GrantService } from './grant.service.js';

/** The delayed job scheduled for each grant's expiresAt. */
@Injectable()
export class GrantExpiryProcessor implements JobHandler<'grant.expire'> {
  readonly jobName = 'grant.expire' as const;

  constructor(@Inject(GrantService) private readonly grants: GrantService) {}

  async handle(payload: JobPayloads['grant.expire']): Promise<void> {
    await this.grants.expire(payload.grantId, 'job');
  }
}
