import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AccessRequestDecisionService } from '../access-request/access-request-decision.service.js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import { GrantService } from '../grant/grant.service.js';
import type { JobHandler } from '../../platform/queue/queue.registry.js';
import { QueueService } from '../../platform/queue/queue.service.js';
import { OrphanedSessions } from '../session/orphaned-sessions.js';

const BATCH = 200;

/**
 * The safety net under the delayed jobs: a lost job, a Redis flush or a gateway that was down
 * at the time can never leave a grant open or a request pending past its time. Runs at start
 * and then every JITGATE_SWEEP_INTERVAL.
 */
@Injectable()
export class AccessSweepProcessor implements JobHandler<'access.sweep'>, OnApplicationBootstrap {
  readonly jobName = 'access.sweep' as const;
  private readonly logger = new Logger('AccessSweep');

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GrantService) private readonly grants: GrantService,
    @Inject(AccessRequestDecisionService) private readonly requests: AccessRequestDecisionService,
    @Inject(QueueService) private readonly queue: QueueService,
    @Inject(OrphanedSessions) private readonly orphanedSessions: OrphanedSessions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.handle();
    await this.queue.repeatEvery('access.sweep', {}, this.config.access.sweepIntervalSeconds * 1000);
  }

  async handle(): Promise<void> {
    let grants = 0;
    let requests = 0;
    for (;;) {
      const ids = await this.grants.overdueIds(BATCH);
      for (const id of ids) if (await this.grants.expire(id, 'sweeper')) grants += 1;
      if (ids.length < BATCH) break;
    }
    for (;;) {
      const ids = await this.requests.overduePendingIds(BATCH);
      for (const id of ids) if (await this.requests.expire(id, 'sweeper')) requests += 1;
      if (ids.length < BATCH) break;
    }
    const sessions = await this.orphanedSessions.close();
    if (grants + requests + sessions > 0) this.logger.log({ grants, requests, sessions }, 'sweeper closed overdue grants and requests, and orphaned sessions');
  }
}
