import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { within } from '../bounds/within.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RedisService } from '../redis/redis.service.js';
import { QUEUE_NAMES, QUEUE_OF_JOB, type JobName, type JobPayloads, type QueueName } from './queue.registry.js';

export interface EnqueueOptions {
  /** Run no earlier than this. */
  runAt?: Date;
  /** Dedupe key: BullMQ ignores a job whose id already exists. Use the domain id. */
  jobId?: string;
}

/**
 * Enqueues jobs. Call it after the transaction that made the job necessary has committed.
 *
 * Redis may be away (down, frozen, restarted empty): enqueue waits at most JITGATE_REDIS_TIMEOUT
 * and then goes on without the job, because every job in the registry has the sweeper under it
 * (queue.registry.ts); the schedules are asserted again each time Redis is back, since a Redis
 * restarted without persistence has forgotten them.
 */
@Injectable()
export class QueueService implements OnModuleDestroy {
  private readonly logger = new Logger('QueueService');
  private readonly queues = new Map<QueueName, Queue>();
  private readonly schedules = new Map<JobName, () => Promise<unknown>>();

  constructor(
    @Inject(RedisService) private readonly redis: RedisService,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {
    const connection = redis.connect('queue-producer', { forBullmq: true, failFast: true });
    for (const name of QUEUE_NAMES) {
      const queue = new Queue(name, { connection, prefix: redis.prefix });
      // The connection's own listener logs the cause; without one, BullMQ prints each retry.
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
    connection.on('ready', () => {
      for (const name of this.schedules.keys()) void this.schedule(name);
    });
    this.countJobsAtScrape(metrics);
  }

  /** jitgate_queue_jobs{queue,state}, read from Redis at each scrape; left out when Redis does not answer in time. */
  private countJobsAtScrape(metrics: MetricsService): void {
    const queues = this.queues;
    const timeoutMs = this.redis.timeoutMs;
    const gauge: Gauge<'queue' | 'state'> = new Gauge({
      name: 'jitgate_queue_jobs',
      help: 'BullMQ jobs by queue and state (waiting, delayed, active, failed), read at each scrape',
      labelNames: ['queue', 'state'] as const,
      registers: [metrics.registry],
      async collect() {
        gauge.reset();
        await Promise.all(
          [...queues].map(async ([name, queue]) => {
            const counts = await within(queue.getJobCounts('waiting', 'delayed', 'active', 'failed'), timeoutMs, 'job counts').catch(() => undefined);
            for (const [state, count] of Object.entries(counts ?? {})) gauge.set({ queue: name, state }, count);
          }),
        );
      },
    });
  }

  queue(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no queue named ${name}`);
    return queue;
  }

  /**
   * True when the job is queued; false when Redis did not take it within the bound (counted in
   * jitgate_jobs_not_queued_total): the sweeper does that job's work on its next pass instead.
   */
  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options: EnqueueOptions = {}): Promise<boolean> {
    const delay = options.runAt ? Math.max(0, options.runAt.getTime() - Date.now()) : 0;
    const added = this.queue(QUEUE_OF_JOB[name]).add(name, payload, {
      delay,
      // BullMQ refuses ':' in custom ids.
      ...(options.jobId ? { jobId: options.jobId.replaceAll(':', '-') } : {}),
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
    });
    try {
      await within(added, this.redis.timeoutMs, `queue ${name}`);
      return true;
    } catch (error) {
      this.metrics.jobsNotQueued.inc({ job: name });
      this.logger.warn({ job: name, err: (error as Error).message }, 'job not queued; the sweeper will do its work');
      return false;
    }
  }

  /**
   * Upserts a repeating job; every replica may call this, there stays one schedule. Asserted
   * again whenever the connection to Redis is ready again.
   */
  async repeatEvery<N extends JobName>(name: N, payload: JobPayloads[N], everyMs: number): Promise<void> {
    this.schedules.set(name, () => this.queue(QUEUE_OF_JOB[name]).upsertJobScheduler(name, { every: everyMs }, { name, data: payload }));
    await this.schedule(name);
  }

  /** False when Redis did not take it within the bound: the next 'ready' asserts it again. */
  private async schedule(name: JobName): Promise<boolean> {
    const upsert = this.schedules.get(name);
    if (!upsert) return false;
    try {
      await within(upsert(), this.redis.timeoutMs, `schedule ${name}`);
      return true;
    } catch (error) {
      this.logger.warn({ job: name, err: (error as Error).message }, 'job schedule not set; set again when Redis is back');
      return false;
    }
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
  }
}
