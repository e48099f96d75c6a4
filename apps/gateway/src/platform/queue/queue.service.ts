import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { RedisService } from '../redis/redis.service.js';
import { QUEUE_NAMES, QUEUE_OF_JOB, type JobName, type JobPayloads, type QueueName } from './queue.registry.js';

export interface EnqueueOptions {
  /** Run no earlier than this. */
  runAt?: Date;
  /** Dedupe key: BullMQ ignores a job whose id already exists. Use the domain id. */
  jobId?: string;
}

/** Enqueues jobs. Call it after the transaction that made the job necessary has committed. */
@Injectable()
export class QueueService implements OnModuleDestroy {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(@Inject(RedisService) private readonly redis: RedisService) {
    const connection = redis.connect('queue-producer', { forBullmq: true });
    for (const name of QUEUE_NAMES) {
      this.queues.set(name, new Queue(name, { connection, prefix: redis.prefix }));
    }
  }

  queue(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no queue named ${name}`);
    return queue;
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options: EnqueueOptions = {}): Promise<void> {
    const delay = options.runAt ? Math.max(0, options.runAt.getTime() - Date.now()) : 0;
    await this.queue(QUEUE_OF_JOB[name]).add(name, payload, {
      delay,
      // BullMQ refuses ':' in custom ids.
      ...(options.jobId ? { jobId: options.jobId.replaceAll(':', '-') } : {}),
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
    });
  }

  /** Upserts a repeating job; every replica may call this, there stays one schedule. */
  async repeatEvery<N extends JobName>(name: N, payload: JobPayloads[N], everyMs: number): Promise<void> {
    await this.queue(QUEUE_OF_JOB[name]).upsertJobScheduler(name, { every: everyMs }, { name, data: payload });
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
  }
}
