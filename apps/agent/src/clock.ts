// Every timer the agent relies on for enforcement (grant expiry, heartbeats, backoff) goes
// through this adapter so that tests can drive time without sleeping (tunnel.spec.ts).

/** Cancels a timer; calling it twice, or after the timer fired, does nothing. */
export type Cancel = () => void;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): Cancel;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

/** Node's timers overflow past 2^31-1 ms (about 24.8 days) and fire at once; longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs `fn` at the absolute time `at` (ms since the epoch, by `clock`), however far away. */
export function atTime(clock: Clock, at: number, fn: () => void): Cancel {
  let cancel: Cancel = () => {};
  const arm = (): void => {
    const wait = at - clock.now();
    if (wait <= 0) return fn();
    cancel = clock.setTimeout(arm, Math.min(wait, MAX_TIMER_MS));
  };
  arm();
  return () => cancel();
}
