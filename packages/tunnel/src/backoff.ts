// Reconnect delays as gRPC specifies them (connection-backoff.md): 1 s, ×1.6 each attempt,
// capped at 120 s, each delay jittered by ±20% so that a fleet of agents does not reconnect in
// step after a gateway restart.
export interface BackoffOptions {
  initialMs?: number;
  multiplier?: number;
  maxMs?: number;
  jitter?: number;
  /** Injectable for tests; returns [0, 1). */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly multiplier: number;
  private readonly maxMs: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 1000;
    this.multiplier = options.multiplier ?? 1.6;
    this.maxMs = options.maxMs ?? 120_000;
    this.jitter = options.jitter ?? 0.2;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt. */
  next(): number {
    const base = Math.min(this.initialMs * this.multiplier ** this.attempt, this.maxMs);
    this.attempt += 1;
    const spread = base * this.jitter;
    return Math.round(base - spread + this.random() * 2 * spread);
  }

  /** After a connection that worked: start again from the initial delay. */
  reset(): void {
    this.attempt = 0;
  }
}
