// Listens on Redis for what other replicas (and this one) publish after a commit: ends of access
// (grants, tokens, identities) and agent revocations. Messages are validated; a malformed one is
// logged and dropped. A message lost here is found by SessionReconciler within its period.
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { GRANT_EVENTS_CHANNEL, IDENTITY_EVENTS_CHANNEL, grantEndedEvent, identityEvent } from '../../port/access-events.js';
import { AGENT_EVENTS_CHANNEL } from '../../control-plane/agent/agent-events.js';
import { RedisService } from '../../platform/redis/redis.service.js';
import { SessionEnforcer } from './session-enforcer.js';

const agentRevoked = z.object({ type: z.literal('agent.revoked'), agentId: z.string().uuid(), revokedBy: z.string().max(128) });

type Kind = 'grants' | 'identities' | 'agents';

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
    const channels = new Map<string, Kind>([
      [this.redis.channel(GRANT_EVENTS_CHANNEL), 'grants'],
      [this.redis.channel(IDENTITY_EVENTS_CHANNEL), 'identities'],
      [this.redis.channel(AGENT_EVENTS_CHANNEL), 'agents'],
    ]);
    connection.on('message', (channel: string, message: string) => this.dispatch(channels.get(channel), message));
    let subscribed = false;
    const first = new Promise<void>((resolve) => {
      // ioredis re-subscribes by itself after a reconnect, but only to subscriptions that once
      // succeeded: one that failed (Redis down at start) is retried at every 'ready'.
      const subscribe = () => {
        if (subscribed) return;
        connection.subscribe(...channels.keys()).then(
          () => {
            subscribed = true;
            resolve();
          },
          (error: unknown) => this.logger.warn({ err: String(error) }, 'could not subscribe to access and agent events'),
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
    // Until it is, the per-session timers and the reconciler enforce ends on this replica.
    if (!waited) this.logger.warn('access and agent events are not subscribed yet');
  }

  stop(): void {
    this.connection?.disconnect();
    this.connection = undefined;
  }

  private dispatch(kind: Kind | undefined, message: string): void {
    let body: unknown;
    try {
      body = JSON.parse(message);
    } catch {
      body = undefined;
    }
    if (kind === 'grants') {
      const event = grantEndedEvent.safeParse(body);
      if (event.success) return void this.enforcer.grantEnded(event.data);
    } else if (kind === 'identities') {
      const event = identityEvent.safeParse(body);
      if (event.success) return void this.enforcer.apply(event.data);
    } else if (kind === 'agents') {
      const event = agentRevoked.safeParse(body);
      if (event.success) return this.enforcer.agentRevoked(event.data);
    }
    this.logger.warn({ kind, size: message.length }, 'ignored a malformed event');
  }
}
