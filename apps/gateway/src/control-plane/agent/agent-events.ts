import { Inject, Injectable, Logger } from '@nestjs/common';
import { RedisService } from '../../platform/redis/redis.service.js';

/** Published after the commit that revoked an agent: every replica closes its tunnels. */
export interface AgentRevokedEvent {
  type: 'agent.revoked';
  agentId: string;
  /** The identity that revoked it, recorded as who ended its sessions. */
  revokedBy: string;
}

export const AGENT_EVENTS_CHANNEL = 'agent-events';

@Injectable()
export class AgentEventsPublisher {
  private readonly logger = new Logger('AgentEventsPublisher');

  constructor(@Inject(RedisService) private readonly redis: RedisService) {}

  async agentRevoked(event: AgentRevokedEvent): Promise<void> {
    try {
      await this.redis.command.publish(this.redis.channel(AGENT_EVENTS_CHANNEL), JSON.stringify(event));
    } catch (error) {
      // The revocation is committed: no replica admits the token again. Tunnels on other
      // replicas stay up until they reconnect; the revoking replica closed its own already.
      this.logger.warn({ agentId: event.agentId, err: String(error) }, 'could not publish agent.revoked');
    }
  }
}
