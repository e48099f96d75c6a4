// The one road by which the control plane's ends of access reach the data plane: a grant
// ended, a token revoked, an identity disabled, an agent revoked. A message is delivered to this
// process's listeners at once (so the replica that took the call cuts its own sessions even
// without Redis) and to every other replica through Redis pub/sub. Each replica's periodic check
// against the database (data-plane/live/session-reconciler.ts) is the bound when one is lost.
import type { AccessEnd } from './access-events.js';

export type AccessEndListener = (end: AccessEnd) => void;

export abstract class AccessEndsStream {
  /**
   * Hands `end` to the listeners of this process, then to the other replicas. Resolves whether
   * the others were told (false: they learn it at their next check). Call after the commit.
   */
  abstract publish(end: AccessEnd): Promise<boolean>;

  /** Hears every end, from this process and from the others, until the returned call. */
  abstract subscribe(listener: AccessEndListener): () => void;

  /**
   * Starts hearing the other replicas. Resolves true once subscribed, false if that took longer
   * than its wait (it goes on trying; until then the timers and the reconciler enforce ends).
   */
  abstract listen(): Promise<boolean>;

  abstract close(): void;
}
