// Announces, after the commit, that an access ended, to the live sessions it opened, on the
// access-ends stream (this replica at once, the others through Redis: port/access-ends.stream.ts).
// The message is the fast path; each replica's periodic check against the database
// (data-plane/live/session-reconciler.ts) is the bound when it is lost: the answer says which of
// the two the caller can count on.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../platform/clock.js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import { AccessEndsStream } from '../../port/access-ends.stream.js';
import { type AccessEndedEvent, type GrantEndedEvent, type IdentityDisabledEvent, type LiveSessionsNotice, type TokenRevokedEvent } from '../../port/access-events.js';

/** The message path's bound (docs/tunnel.md): every replica closes the sessions within this. */
export const MESSAGE_PATH_BOUND_MS = 1_000;

@Injectable()
export class AccessEventsPublisher {
  private readonly logger = new Logger('AccessEventsPublisher');

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(AccessEndsStream) private readonly stream: AccessEndsStream,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  grantEnded(event: GrantEndedEvent): Promise<LiveSessionsNotice> {
    return this.announce(event);
  }

  tokenRevoked(event: TokenRevokedEvent): Promise<LiveSessionsNotice> {
    return this.announce(event);
  }

  identityDisabled(event: IdentityDisabledEvent): Promise<LiveSessionsNotice> {
    return this.announce(event);
  }

  private async announce(event: AccessEndedEvent): Promise<LiveSessionsNotice> {
    const notified = await this.stream.publish(event);
    // The end is committed and every check reads it from the database: other replicas find it
    // at their next reconciliation instead of now.
    if (!notified) this.logger.warn({ event: event.type }, 'other replicas end the sessions at their next check');
    const wait = notified ? MESSAGE_PATH_BOUND_MS : this.config.tunnel.sessionReconcileIntervalMs;
    return { notified, endBy: new Date(this.clock.now().getTime() + wait) };
  }
}
