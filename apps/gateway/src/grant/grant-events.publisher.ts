import { Inject, Injectable, Logger } from '@nestjs/common';
import { RedisService } from '../infra/redis.service.js';

export interface GrantEndedEvent {
  type: 'grant.ended';
  grantId: string;
  identityId: string;
  connectionId: string;
  status: 'expired' | 'revoked' | 'released';
}

export const GRANT_EVENTS_CHANNEL = 'grant-events';

/**
 * Tells every replica that a grant ended, through Redis pub/sub, so that the data path (the
 * tunnel, later) can cut live sessions at once. Published after the commit that ended it.
 */
@Injectable()
export class GrantEventsPublisher {
  private readonly logger = new Logger('GrantEventsPublisher');

  constructor(@Inject(RedisService) private readonly redis: RedisService) {}

  async grantEnded(event: GrantEndedEvent): Promise<void> {
    try {
      await this.redis.command.publish(this.redis.channel(GRANT_EVENTS_CHANNEL), JSON.stringify(event));
    } catch (error) {
      // The grant is already closed in the database and every check reads it from there; a lost
      // notification delays nothing the control plane decides.
      this.logger.warn({ grantId: event.grantId, err: String(error) }, 'could not publish grant.ended');
    }
  }
}
