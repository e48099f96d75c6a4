// Follows the grant behind a `jitgate connect`: re-checks it when it expires, and at once when
// the gateway ends a session or refuses one for want of a grant (a revoke or a release). Reports
// a renewal (a later expiry) or the end of the grant; the gateway enforces either way, this only
// keeps what the user sees true. Pinned by test/connect.test.ts.
import type { ApiClient } from '../api-client.js';
import type { Clock } from '../context.js';

export type GrantEnd = 'expired' | 'ended';

export interface GrantWatcherEvents {
  renewed(expiresAt: string): void;
  ended(how: GrantEnd): void;
  warn(message: string): void;
}

/** Least wait between re-checks (clock skew must not make a busy loop). */
const MIN_RECHECK_MS = 1_000;
const RETRY_MS = 5_000;
/** setTimeout's longest delay; longer grants are re-checked on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class GrantWatcher {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private again = false;
  private stopped = false;
  private warned = false;

  constructor(
    private readonly api: ApiClient,
    private readonly connection: string,
    private readonly clock: Clock,
    private readonly events: GrantWatcherEvents,
    private expires: string | null,
  ) {}

  get expiresAt(): string | null {
    return this.expires;
  }

  start(): void {
    if (this.expires) this.arm(Date.parse(this.expires) - this.clock.now());
  }

  /** Re-check now (a session was ended or refused by the gateway). */
  checkNow(): void {
    if (this.stopped) return;
    if (this.checking) {
      this.again = true;
      return;
    }
    void this.check();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.check(), Math.min(Math.max(ms, 0), MAX_TIMER_MS));
  }

  private async check(): Promise<void> {
    this.checking = true;
    clearTimeout(this.timer);
    try {
      const answer = await this.api.checkGrant(this.connection);
      if (this.stopped) return;
      if (!answer.allowed) {
        const expired = this.expires !== null && this.clock.now() >= Date.parse(this.expires) - MIN_RECHECK_MS;
        this.stop();
        this.events.ended(expired ? 'expired' : 'ended');
        return;
      }
      if (answer.expiresAt && answer.expiresAt !== this.expires) {
        this.expires = answer.expiresAt;
        this.events.renewed(answer.expiresAt);
      }
      const left = this.expires ? Date.parse(this.expires) - this.clock.now() : MAX_TIMER_MS;
      this.arm(Math.max(MIN_RECHECK_MS, left));
    } catch (error) {
      if (!this.warned) this.events.warn(`could not re-check the grant: ${error instanceof Error ? error.message : String(error)}; retrying`);
      this.warned = true;
      this.arm(RETRY_MS);
    } finally {
      this.checking = false;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.check();
      }
    }
  }
}
