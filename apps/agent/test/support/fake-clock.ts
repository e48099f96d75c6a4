// A clock that moves only when the test says so: heartbeats, backoff delays and grant expiry
// are checked to the millisecond without sleeping.
import type { Cancel, Clock } from '../../src/clock.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private timers: Timer[] = [];
  private seq = 0;

  constructor(private time = 1_700_000_000_000) {}

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): Cancel {
    const timer: Timer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward, firing due timers in order (including ones they schedule). */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const next = [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next || next.at > until) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.at;
      next.fn();
    }
    this.time = until;
  }

  /** The delay of the earliest pending timer, for asserting backoff delays. */
  nextDelay(): number | undefined {
    const next = [...this.timers].sort((a, b) => a.at - b.at)[0];
    return next ? next.at - this.time : undefined;
  }

  get pending(): number {
    return this.timers.length;
  }
}
