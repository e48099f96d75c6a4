import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { GATEWAY_CONFIG } from '../config/config.tokens.js';
import type { GatewayConfig } from '../config/config.schema.js';

/**
 * Redis connections. BullMQ needs `maxRetriesPerRequest: null` on the connections it blocks on;
 * pub/sub needs a connection of its own.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger('RedisService');
  private readonly connections: Redis[] = [];
  readonly prefix: string;
  readonly command: Redis;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    this.prefix = config.redis.prefix;
    this.command = this.connect('command');
  }

  /** A new connection (for BullMQ workers and subscribers). */
  connect(name: string, options: { forBullmq?: boolean } = {}): Redis {
    const connection = new Redis(this.config.redis.url, {
      connectionName: `jitgate:${name}`,
      lazyConnect: false,
      enableReadyCheck: true,
      maxRetriesPerRequest: options.forBullmq ? null : 3,
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
    let timer: NodeJS.Timeout | undefined;
    const published = this.command.publish(channel, message).then(
      () => true,
      () => false,
    );
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([published, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async ping(): Promise<void> {
    await this.command.ping();
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
