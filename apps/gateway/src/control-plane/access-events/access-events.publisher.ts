// Announces, after the commit, that an access ended, to the live sessions it opened: on this
// replica at once, in process (so the replica that took the call cuts its own sessions even
// without Redis), and on every other replica through Redis pub/sub. The message is the fast
// path; each replica's periodic check against the database (tunnel/session-reconciler.ts) is
// the bound when it is lost: the answer says which of the two the caller can count on.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../platform/clock.js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import { RedisService } from '../../platform/redis/redis.service.js';
import { SessionEnforcer } from '../../data-plane/live/session-enforcer.js';
import {
  GRANT_EVENTS_CHANNEL,
  IDENTITY_EVENTS_CHANNEL,
  type AccessEndedEvent,
  type GrantEndedEvent,
  type IdentityDisabledEvent,
  type LiveSessionsNotice,
  type TokenRevokedEvent,
} from '../../port/access-events.js';

/** How long an API call waits for Redis to take the message; then it answers without. */
const PUBLISH_WAIT_MS = 1_000;
/** The message path's bound (docs/tunnel.md): every replica closes the sessions within this. */
export const MESSAGE_PATH_BOUND_MS = 1_000;

@Injectable()
export class AccessEventsPublisher {
  private readonly logger = new Logger('AccessEventsPublisher');

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(RedisService) private readonly redis: RedisService,
    @Inject(SessionEnforcer) private readonly enforcer: SessionEnforcer,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  grantEnded(event: GrantEndedEvent): Promise<LiveSessionsNotice> {
    return this.announce(GRANT_EVENTS_CHANNEL, event);
  }

  tokenRevoked(event: TokenRevokedEvent): Promise<LiveSessionsNotice> {
    return this.announce(IDENTITY_EVENTS_CHANNEL, event);
  }

  identityDisabled(event: IdentityDisabledEvent): Promise<LiveSessionsNotice> {
    return this.announce(IDENTITY_EVENTS_CHANNEL, event);
  }

  private async announce(channel: string, event: AccessEndedEvent): Promise<LiveSessionsNotice> {
    this.enforcer.apply(event);
    const notified = await this.redis.publishWithin(this.redis.channel(channel), JSON.stringify(event), PUBLISH_WAIT_MS);
    // The end is committed and every check reads it from the database: other replicas find it
    // at their next reconciliation instead of now.
    if (!notified) this.logger.warn({ event: event.type, channel }, `Redis did not take the message within ${PUBLISH_WAIT_MS} ms: other replicas end the sessions at their next check`);
    const wait = notified ? MESSAGE_PATH_BOUND_MS : this.config.tunnel.sessionReconcileIntervalMs;
    return { notified, endBy: new Date(this.clock.now().getTime() + wait) };
  }
}
