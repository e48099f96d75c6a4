import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { GATEWAY_CONFIG } from '../config/config.tokens.js';
import type { GatewayConfig } from '../config/config.schema.js';
import { within } from '../bounds/within.js';

/**
 * Redis connections. BullMQ needs `maxRetriesPerRequest: null` on the connections it blocks on;
 * pub/sub needs a connection of its own. Every connection that does not block gives up on a
 * command after `timeoutMs` (JITGATE_REDIS_TIMEOUT), so that a frozen or far Redis cannot hold a
 * caller (issue 15); a command queued while Redis was away is still sent when it is back.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger('RedisService');
  private readonly connections: Redis[] = [];
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly command: Redis;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    this.prefix = config.redis.prefix;
    this.timeoutMs = config.redis.timeoutMs;
    this.command = this.connect('command');
  }

  /**
   * A new connection. `forBullmq`: retries without end (BullMQ's requirement); `blocking`: it
   * waits on blocking commands (a BullMQ worker, a subscriber), so no command timeout;
   * `failFast`: a command sent while Redis is away fails at once instead of waiting in the
   * client for its return (BullMQ's advice for producers behind an API).
   */
  connect(name: string, options: { forBullmq?: boolean; blocking?: boolean; failFast?: boolean } = {}): Redis {
    const connection = new Redis(this.config.redis.url, {
      connectionName: `jitgate:${name}`,
      lazyConnect: false,
      enableReadyCheck: true,
      maxRetriesPerRequest: options.forBullmq ? null : 3,
      ...(options.blocking ? {} : { commandTimeout: this.timeoutMs }),
      ...(options.failFast ? { enableOfflineQueue: false } : {}),
    });
    connection.on('error', (error: Error) => this.logger.warn({ connection: name, err: error.message }, 'redis error'));
    this.connections.push(connection);
    return connection;
  }

  channel(name: string): string {
    return `${this.prefix}:${name}`;
  }

  /**
   * PUBLISH, or false when Redis has not taken the message within `ms` (down, frozen, far): the
   * caller goes on without it rather than wait on a client that retries and queues by itself.
   */
  async publishWithin(channel: string, message: string, ms: number): Promise<boolean> {
    return within(this.command.publish(channel, message), ms, 'PUBLISH').then(
      () => true,
      () => false,
    );
  }

  async ping(): Promise<void> {
    await within(this.command.ping(), this.timeoutMs, 'PING');
  }

  /**
   * Last, after every onModuleDestroy and beforeApplicationShutdown (Nest runs the hooks of one
   * phase concurrently): the BullMQ workers wait in theirs for the jobs in flight, which then
   * record their end through these connections. Closed under such a worker, BullMQ retries that
   * write without a pause and the process spins forever (e2e/gateway-process/process-shutdown.test.ts).
   */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
