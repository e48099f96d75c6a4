// A write that must land (the end of a session, its last recorded events) while the control
// database may be out of reach for a while (issue 15): tried again with a growing pause for as
// long as the database is unreachable, until it lands or `stop` says to give up (shutdown; the
// row is then closed by the sweeper as the replica's earlier life or as `gateway_lost`). Any
// other error is thrown at once: retrying a write the database refused would not help.
import { isDatabaseUnavailable } from './database-unavailable.js';

const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 5_000;

export async function retryWhileUnavailable<T>(write: () => Promise<T>, stop: AbortSignal, onRetry: (attempt: number, error: unknown) => void): Promise<T> {
  let pause = FIRST_PAUSE_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (stop.aborted || !isDatabaseUnavailable(error)) throw error;
      onRetry(attempt, error);
      await pauseFor(pause, stop);
      pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    }
  }
}

function pauseFor(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    stop.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      stop.removeEventListener('abort', done);
      resolve();
    }
  });
}
