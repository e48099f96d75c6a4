// A bound on a wait. A client that retries and queues by itself (ioredis, BullMQ) can keep a
// caller waiting as long as its server is away; a request must not (issue 15). The work is not
// cancelled, only no longer waited for: callers use this where the work is harmless when it
// lands late (a PUBLISH, an idempotent job id, a PING).

export class TimedOut extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = 'TimedOut';
  }
}

/** `work`'s result, or TimedOut when it has not settled within `ms` (its later failure is then ignored). */
export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(what, ms)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
