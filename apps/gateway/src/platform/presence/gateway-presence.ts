import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { GATEWAY_CONFIG } from '../config/config.tokens.js';
import type { GatewayConfig } from '../config/config.schema.js';
import { RedisService } from '../redis/redis.service.js';

/** A replica whose key has not been refreshed for this long is gone (crashed, partitioned). */
export const PRESENCE_TTL_MS = 60_000;
const REFRESH_MS = 10_000;

/**
 * Each replica keeps a key in Redis while it runs, so that the others can tell its sessions from
 * the orphans of one that died without closing them (a SIGKILL, a lost node): see
 * OrphanedSessions.
 *
 * An absent key proves a replica gone only if Redis has kept presence keys for a whole key
 * lifetime: a Redis restarted without persistence has lost every key, and a replica that runs on
 * writes its own again only at its next refresh. So the first writer after such a loss also sets
 * `presence-since` (SET NX), and absence is not trusted until that is PRESENCE_TTL_MS old.
 */
@Injectable()
export class GatewayPresence implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('GatewayPresence');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(RedisService) private readonly redis: RedisService,
  ) {}

  get gatewayId(): string {
    return this.config.tunnel.gatewayId;
  }

  private key(gatewayId: string): string {
    return this.redis.channel(`gateway-alive:${gatewayId}`);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  /** Before the Redis connections close (RedisService, onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.command.del(this.key(this.gatewayId)).catch(() => undefined);
  }

  /** The ids among `gatewayIds` whose replica is surely gone; none while Redis may have lost the keys. */
  async gone(gatewayIds: string[]): Promise<Set<string>> {
    if (gatewayIds.length === 0) return new Set();
    const [since, ...values] = await this.redis.command.mget(this.sinceKey(), ...gatewayIds.map((id) => this.key(id)));
    if (since === null || Date.now() - Number(since) < PRESENCE_TTL_MS) return new Set();
    return new Set(gatewayIds.filter((_, i) => values[i] === null));
  }

  private sinceKey(): string {
    return this.redis.channel('presence-since');
  }

  private async refresh(): Promise<void> {
    const now = String(Date.now());
    try {
      await this.redis.command.multi().set(this.key(this.gatewayId), now, 'PX', PRESENCE_TTL_MS).set(this.sinceKey(), now, 'NX').exec();
    } catch (error) {
      this.logger.warn({ err: String(error) }, "could not refresh this gateway's presence");
    }
  }
}
