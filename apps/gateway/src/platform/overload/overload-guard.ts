// Load shedding (issue 15): the gateway refuses new work — REST calls past a number in flight,
// new sessions on every front — before it runs out of memory, rather than slow to a crawl and be
// killed with every live session in it. Refused work is answered at once as `unavailable`
// (REST 503 with Retry-After, a session's 503 refusal), so callers retry, elsewhere or later.
// Live sessions and the health endpoints are never shed: cutting what runs would not free what
// new work would take, and an orchestrator must still see the process.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { GATEWAY_CONFIG } from '../config/config.tokens.js';
import type { GatewayConfig } from '../config/config.schema.js';
import { MetricsService } from '../metrics/metrics.service.js';

/** How often memory is read: cheap, but not on every request. */
const SAMPLE_MS = 250;

export const OVERLOADED_MESSAGE = 'the gateway is overloaded; retry shortly';

export type ShedReason = 'memory' | 'in_flight';

/** The container's memory limit (cgroup v2, then v1), else the machine's memory. */
function memoryLimitBytes(): number {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const limit = Number(readFileSync(file, 'utf8').trim());
      // "max", or v1's "no limit" (a number near 2^63), say there is none.
      if (Number.isFinite(limit) && limit > 0 && limit < os.totalmem()) return limit;
    } catch {
      // not in such a cgroup
    }
  }
  return os.totalmem();
}

@Injectable()
export class OverloadGuard implements OnModuleDestroy {
  private readonly heapLimit = v8.getHeapStatistics().heap_size_limit;
  private readonly memoryLimit = memoryLimitBytes();
  private readonly timer: NodeJS.Timeout;
  private memoryHigh = false;
  private inFlight = 0;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  /** Why new work is refused now, or undefined. */
  memoryReason(): ShedReason | undefined {
    return this.memoryHigh ? 'memory' : undefined;
  }

  /**
   * Admits one REST call, or says why not; the caller calls the returned `done` once, when the
   * call has been answered.
   */
  admitRequest(): { done: () => void } | { refused: ShedReason } {
    const reason = this.memoryReason() ?? (this.inFlight >= this.config.overload.maxInFlightRequests ? 'in_flight' : undefined);
    if (reason) return { refused: reason };
    this.inFlight += 1;
    let finished = false;
    return {
      done: () => {
        if (finished) return;
        finished = true;
        this.inFlight -= 1;
      },
    };
  }

  /** Counts one refusal, by front (rest, tcp, postgres, http) and reason. */
  shed(front: string, reason: ShedReason): void {
    this.metrics.loadShed.inc({ front, reason });
  }

  private sample(): void {
    const percent = this.config.overload.memoryPercent;
    const { heapUsed, rss } = process.memoryUsage();
    this.memoryHigh = heapUsed > (this.heapLimit * percent) / 100 || rss > (this.memoryLimit * percent) / 100;
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
