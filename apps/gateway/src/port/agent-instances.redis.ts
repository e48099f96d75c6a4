// AgentInstances in Redis: one hash per agent, a field per tunnel ("<gateway>:<tunnel>") holding
// its view and the time it stops counting. A replica refreshes its tunnels' fields well within
// that time (data-plane/tunnel/agent-registry.ts); one that died leaves fields that lapse.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../platform/clock.js';
import { JitgateError } from '../platform/errors/jitgate.error.js';
import { RedisService } from '../platform/redis/redis.service.js';
import { AgentInstances, type AgentInstanceView } from './agent-instances.js';

/** A tunnel whose field was not refreshed for this long is not listed. */
export const AGENT_INSTANCE_TTL_MS = 30_000;

interface StoredView extends Omit<AgentInstanceView, 'connectedAt'> {
  connectedAt: string;
  until: number;
}

@Injectable()
export class RedisAgentInstances extends AgentInstances {
  private readonly logger = new Logger('AgentInstances');

  constructor(
    @Inject(RedisService) private readonly redis: RedisService,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    super();
  }

  private key(agentId: string): string {
    return this.redis.channel(`agent-instances:${agentId}`);
  }

  /** The agents a replica has reported, so that its next life can take its reports back. */
  private gatewayKey(gatewayId: string): string {
    return this.redis.channel(`agent-instances-of:${gatewayId}`);
  }

  async put(agentId: string, view: AgentInstanceView): Promise<void> {
    const stored: StoredView = { ...view, connectedAt: view.connectedAt.toISOString(), until: this.clock.now().getTime() + AGENT_INSTANCE_TTL_MS };
    await this.best('report', () =>
      this.redis.command
        .multi()
        .hset(this.key(agentId), `${view.gatewayId}:${view.tunnelId}`, JSON.stringify(stored))
        .pexpire(this.key(agentId), 2 * AGENT_INSTANCE_TTL_MS)
        .sadd(this.gatewayKey(view.gatewayId), agentId)
        .pexpire(this.gatewayKey(view.gatewayId), 2 * AGENT_INSTANCE_TTL_MS)
        .exec(),
    );
  }

  async forgetGateway(gatewayId: string, keep: (tunnelId: string) => boolean): Promise<void> {
    await this.best('forget the reports of', async () => {
      const agentIds = await this.redis.command.smembers(this.gatewayKey(gatewayId));
      for (const agentId of agentIds) {
        const fields = (await this.redis.command.hkeys(this.key(agentId))).filter((field) => field.startsWith(`${gatewayId}:`) && !keep(field.slice(gatewayId.length + 1)));
        if (fields.length > 0) await this.redis.command.hdel(this.key(agentId), ...fields);
      }
    });
  }

  async remove(agentId: string, gatewayId: string, tunnelId: string): Promise<void> {
    await this.best('remove', () => this.redis.command.hdel(this.key(agentId), `${gatewayId}:${tunnelId}`));
  }

  async list(agentId: string): Promise<AgentInstanceView[]> {
    const fields = await this.redis.command.hgetall(this.key(agentId)).catch(() => {
      throw new JitgateError('unavailable', 'the connected agent instances cannot be read now (Redis does not answer); retry');
    });
    const now = this.clock.now().getTime();
    const views: AgentInstanceView[] = [];
    const lapsed: string[] = [];
    for (const [field, text] of Object.entries(fields)) {
      const stored = parse(text);
      if (!stored || stored.until <= now) lapsed.push(field);
      else {
        const { until: _until, connectedAt, ...view } = stored;
        views.push({ ...view, connectedAt: new Date(connectedAt) });
      }
    }
    if (lapsed.length > 0) await this.best('prune', () => this.redis.command.hdel(this.key(agentId), ...lapsed));
    return views.sort((a, b) => a.connectedAt.getTime() - b.connectedAt.getTime() || a.tunnelId.localeCompare(b.tunnelId));
  }

  /** Presence is advisory: a Redis failure is logged, never thrown into a tunnel. */
  private async best(what: string, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      this.logger.warn({ err: String(error) }, `could not ${what} agent instances`);
    }
  }
}

function parse(text: string): StoredView | null {
  try {
    const value = JSON.parse(text) as StoredView;
    return typeof value.until === 'number' ? value : null;
  } catch {
    return null;
  }
}
