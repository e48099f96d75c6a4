// AccessEndsStream on Redis pub/sub, one channel per kind of end (the channel names are a wire
// contract between replicas of different versions: access-events.ts).
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisService } from '../platform/redis/redis.service.js';
import { AGENT_EVENTS_CHANNEL, GRANT_EVENTS_CHANNEL, IDENTITY_EVENTS_CHANNEL, agentRevokedEvent, grantEndedEvent, identityEvent, type AccessEnd } from './access-events.js';
import { AccessEndsStream, type AccessEndListener } from './access-ends.stream.js';

/** How long a publisher waits for Redis to take the message; then it goes on without. */
const PUBLISH_WAIT_MS = 1_000;
/** How long start-up waits for the first subscription before going on without it. */
const SUBSCRIBE_WAIT_MS = 5_000;

const CHANNEL_OF: Record<AccessEnd['type'], string> = {
  'grant.ended': GRANT_EVENTS_CHANNEL,
  'token.revoked': IDENTITY_EVENTS_CHANNEL,
  'identity.disabled': IDENTITY_EVENTS_CHANNEL,
  'agent.revoked': AGENT_EVENTS_CHANNEL,
};

const SCHEMA_OF = {
  [GRANT_EVENTS_CHANNEL]: grantEndedEvent,
  [IDENTITY_EVENTS_CHANNEL]: identityEvent,
  [AGENT_EVENTS_CHANNEL]: agentRevokedEvent,
} as const;

@Injectable()
export class RedisAccessEndsStream extends AccessEndsStream {
  private readonly logger = new Logger('AccessEndsStream');
  private readonly listeners = new Set<AccessEndListener>();
  private connection: Redis | undefined;

  constructor(@Inject(RedisService) private readonly redis: RedisService) {
    super();
  }

  async publish(end: AccessEnd): Promise<boolean> {
    this.deliver(end);
    const channel = CHANNEL_OF[end.type];
    const notified = await this.redis.publishWithin(this.redis.channel(channel), JSON.stringify(end), PUBLISH_WAIT_MS);
    if (!notified) this.logger.warn({ event: end.type, channel }, `Redis did not take the message within ${PUBLISH_WAIT_MS} ms`);
    return notified;
  }

  subscribe(listener: AccessEndListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async listen(): Promise<boolean> {
    if (this.connection) return true;
    const connection = this.redis.connect('access-ends', { blocking: true });
    this.connection = connection;
    const channels = new Map(Object.entries(SCHEMA_OF).map(([name, schema]) => [this.redis.channel(name), schema]));
    connection.on('message', (channel: string, message: string) => this.receive(channels.get(channel), channel, message));
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
          (error: unknown) => this.logger.warn({ err: String(error) }, 'could not subscribe to the ends of access'),
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
    if (!waited) this.logger.warn('the ends of access are not subscribed yet');
    return waited;
  }

  close(): void {
    this.connection?.disconnect();
    this.connection = undefined;
    this.listeners.clear();
  }

  private receive(schema: (typeof SCHEMA_OF)[keyof typeof SCHEMA_OF] | undefined, channel: string, message: string): void {
    let body: unknown;
    try {
      body = JSON.parse(message);
    } catch {
      body = undefined;
    }
    const parsed = schema?.safeParse(body);
    if (!parsed?.success) return void this.logger.warn({ channel, size: message.length }, 'ignored a malformed event');
    this.deliver(parsed.data);
  }

  private deliver(end: AccessEnd): void {
    for (const listener of this.listeners) {
      try {
        listener(end);
      } catch (error) {
        // One listener's failure must not keep the end from the others.
        this.logger.error({ event: end.type, err: String(error) }, 'an access-end listener failed');
      }
    }
  }
}
