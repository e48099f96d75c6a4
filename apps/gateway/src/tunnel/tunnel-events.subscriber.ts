// Listens on Redis for what other replicas (and this one) publish after a commit: grant ends
// and agent revocations. Messages are validated; a malformed one is logged and dropped.
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { AGENT_EVENTS_CHANNEL } from '../agent/agent-events.js';
import { GRANT_EVENTS_CHANNEL } from '../grant/grant-events.publisher.js';
import { RedisService } from '../infra/redis.service.js';
import { SessionEnforcer } from './session-enforcer.js';

const grantEnded = z.object({
  type: z.literal('grant.ended'),
  grantId: z.string().uuid(),
  identityId: z.string().uuid(),
  connectionId: z.string().uuid(),
  status: z.enum(['expired', 'revoked', 'released']),
});
const agentRevoked = z.object({ type: z.literal('agent.revoked'), agentId: z.string().uuid(), revokedBy: z.string().max(128) });

/** How long start-up waits for the first subscription before going on without it. */
const SUBSCRIBE_WAIT_MS = 5_000;

@Injectable()
export class TunnelEventsSubscriber {
  private readonly logger = new Logger('TunnelEventsSubscriber');
  private connection: Redis | undefined;

  constructor(
    @Inject(RedisService) private readonly redis: RedisService,
    @Inject(SessionEnforcer) private readonly enforcer: SessionEnforcer,
  ) {}

  async start(): Promise<void> {
    const connection = this.redis.connect('tunnel-events');
    this.connection = connection;
    const channels = { grants: this.redis.channel(GRANT_EVENTS_CHANNEL), agents: this.redis.channel(AGENT_EVENTS_CHANNEL) };
    connection.on('message', (channel: string, message: string) => this.dispatch(channel === channels.grants ? 'grants' : channel === channels.agents ? 'agents' : undefined, message));
    let subscribed = false;
    const first = new Promise<void>((resolve) => {
      // ioredis re-subscribes by itself after a reconnect, but only to subscriptions that once
      // succeeded: one that failed (Redis down at start) is retried at every 'ready'.
      const subscribe = () => {
        if (subscribed) return;
        connection.subscribe(channels.grants, channels.agents).then(
          () => {
            subscribed = true;
            resolve();
          },
          (error: unknown) => this.logger.warn({ err: String(error) }, 'could not subscribe to grant and agent events'),
        );
      };
      connection.on('ready', subscribe);
      if (connection.status === 'ready') subscribe();
    });
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      first.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), SUBSCRIBE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    // Until it is, only the per-session timers enforce grant ends on this replica.
    if (!waited) this.logger.warn('grant and agent events are not subscribed yet');
  }

  stop(): void {
    this.connection?.disconnect();
    this.connection = undefined;
  }

  private dispatch(kind: 'grants' | 'agents' | undefined, message: string): void {
    let body: unknown;
    try {
      body = JSON.parse(message);
    } catch {
      body = undefined;
    }
    if (kind === 'grants') {
      const event = grantEnded.safeParse(body);
      if (event.success) return this.enforcer.grantEnded(event.data);
    } else if (kind === 'agents') {
      const event = agentRevoked.safeParse(body);
      if (event.success) return this.enforcer.agentRevoked(event.data);
    }
    this.logger.warn({ kind, size: message.length }, 'ignored a malformed event');
  }
}
