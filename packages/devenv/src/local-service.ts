/** Where a line of progress goes: `pnpm dev` prints it, tests usually drop it. */
export type Log = (line: string) => void;

/**
 * A PostgreSQL or Redis that the caller may use. `source` says who owns it: `existing` means
 * something else started it and `stop()` leaves it alone; `embedded` and `spawned` mean this
 * process started it and `stop()` shuts it down.
 */
export interface LocalService {
  url: string;
  source: 'existing' | 'embedded' | 'spawned';
  stop(): Promise<void>;
}

/** Whether a server answered at a URL, and if not, why (for the log). */
export type ProbeResult = { up: true } | { up: false; reason: string };

/** A server answered but refused us (bad password, wrong user): falling back would hide that. */
export class ServiceRefusedError extends Error {
  override readonly name = 'ServiceRefusedError';
}
