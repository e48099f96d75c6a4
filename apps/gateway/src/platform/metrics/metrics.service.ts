import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What a node-postgres pool tells of itself. */
export interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options: { max?: number };
}

/** One registry per application instance (tests start several in one process). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Histogram({
    name: 'jitgate_http_request_duration_seconds',
    help: 'REST API request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly accessRequests = new Counter({
    name: 'jitgate_access_requests_total',
    help: 'Access requests by outcome at creation (auto_approved, pending, denied)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly requestTransitions = new Counter({
    name: 'jitgate_access_request_transitions_total',
    help: 'Access requests leaving pending, by new status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly grantsEnded = new Counter({
    name: 'jitgate_grants_ended_total',
    help: 'Grants closed, by how (expired, revoked, released) and by whom (job, sweeper, api)',
    labelNames: ['status', 'via'] as const,
    registers: [this.registry],
  });

  readonly grantChecks = new Counter({
    name: 'jitgate_grant_checks_total',
    help: 'Grant checks by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly jobsNotQueued = new Counter({
    name: 'jitgate_jobs_not_queued_total',
    help: 'Jobs Redis did not take within JITGATE_REDIS_TIMEOUT, by job name; the sweeper does their work',
    labelNames: ['job'] as const,
    registers: [this.registry],
  });

  readonly loadShed = new Counter({
    name: 'jitgate_load_shed_total',
    help: 'New work refused as overloaded, by front (rest, tcp, postgres, http) and reason (memory, in_flight)',
    labelNames: ['front', 'reason'] as const,
    registers: [this.registry],
  });

  readonly authFailures = new Counter({
    name: 'jitgate_auth_failures_total',
    help: 'Rejected bearer tokens by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  private readonly pools = new Map<string, PoolCounts>();

  /** The database pools' limits and use, read at each scrape: a pool at its max with callers waiting is the bottleneck. */
  readonly dbPool = new Gauge({
    name: 'jitgate_db_pool_connections',
    help: 'Connections of each database pool (prisma, plain) by state: max, total, idle, and waiting (callers waiting for one)',
    labelNames: ['pool', 'state'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [pool, counts] of this.pools) {
        this.dbPool.set({ pool, state: 'max' }, counts.options.max ?? 10);
        this.dbPool.set({ pool, state: 'total' }, counts.totalCount);
        this.dbPool.set({ pool, state: 'idle' }, counts.idleCount);
        this.dbPool.set({ pool, state: 'waiting' }, counts.waitingCount);
      }
    },
  });

  watchPool(name: string, pool: PoolCounts): void {
    this.pools.set(name, pool);
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'jitgate_' });
  }
}
