// Every job the gateway runs, on which queue, with which payload. Payloads carry ids only:
// the worker re-reads state before acting, so a late, duplicated or replayed job is harmless.
// Every job here must have the sweeper under it: a job Redis did not take (down, frozen,
// restarted empty) is not retried by the caller, its work is done by the next sweep.
export interface JobPayloads {
  /** Close a grant at its expiresAt. The sweeper is the safety net if this job is lost. */
  'grant.expire': { grantId: string };
  /** Expire a pending access request at the end of its TTL. The sweeper backs it up too. */
  'access-request.expire': { requestId: string };
  /** Periodic: close every grant and request past its time, whatever happened to their jobs. */
  'access.sweep': Record<string, never>;
}

export type JobName = keyof JobPayloads;

export const QUEUE_OF_JOB = {
  'grant.expire': 'timers',
  'access-request.expire': 'timers',
  'access.sweep': 'maintenance',
} as const satisfies Record<JobName, string>;

export type QueueName = (typeof QUEUE_OF_JOB)[JobName];
export const QUEUE_NAMES = [...new Set(Object.values(QUEUE_OF_JOB))] as QueueName[];
export const JOB_NAMES = Object.keys(QUEUE_OF_JOB) as JobName[];

/** A processor for one job name. Providers implementing it are collected under JOB_HANDLERS. */
export interface JobHandler<N extends JobName = JobName> {
  readonly jobName: N;
  handle(payload: JobPayloads[N]): Promise<void>;
}

export const JOB_HANDLERS = Symbol('JOB_HANDLERS');
