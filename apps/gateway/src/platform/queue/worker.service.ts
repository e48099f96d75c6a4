import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Worker, type Job } from 'bullmq';
import { RedisService } from '../redis/redis.service.js';
import { JOB_HANDLERS, JOB_NAMES, QUEUE_NAMES, type JobHandler, type JobName } from './queue.registry.js';

/**
 * Runs the BullMQ workers. Start-up fails if a job in the registry has no handler (a job that
 * nobody processes is a grant that never closes).
 */
@Injectable()
export class WorkerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('WorkerService');
  private readonly workers: Worker[] = [];
  private readonly handlers = new Map<JobName, JobHandler>();

  constructor(
    @Inject(RedisService) private readonly redis: RedisService,
    @Inject(JOB_HANDLERS) handlers: JobHandler[],
  ) {
    for (const handler of handlers) {
      if (this.handlers.has(handler.jobName)) throw new Error(`two handlers for job ${handler.jobName}`);
      this.handlers.set(handler.jobName, handler);
    }
    const missing = JOB_NAMES.filter((name) => !this.handlers.has(name));
    if (missing.length > 0) throw new Error(`no handler for job(s): ${missing.join(', ')}`);
  }

  onApplicationBootstrap(): void {
    for (const queueName of QUEUE_NAMES) {
      const worker = new Worker(queueName, (job: Job) => this.process(job), {
        connection: this.redis.connect(`worker-${queueName}`, { forBullmq: true, blocking: true }),
        prefix: this.redis.prefix,
        concurrency: 4,
      });
      worker.on('failed', (job, error) => this.logger.warn({ job: job?.name, jobId: job?.id, err: error.message }, 'job failed'));
      worker.on('error', (error) => this.logger.warn({ queue: queueName, err: error.message }, 'worker error'));
      this.workers.push(worker);
    }
  }

  private async process(job: Job): Promise<void> {
    const handler = this.handlers.get(job.name as JobName);
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    await handler.handle(job.data as never);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
  }
}
