// Credit-based flow control per session and direction, in the manner of HTTP/2 stream windows:
// a sender may have at most `window` bytes un-acknowledged; the receiver acknowledges bytes once
// it has handed them to its socket. Memory held for one session is bounded by its windows.

/** What the receiver advertises at open and how it acknowledges. */
export const DEFAULT_WINDOW = 1024 * 1024;
/** Largest DATA payload: small enough that sessions interleave finely on one tunnel. */
export const MAX_FRAME = 64 * 1024;
/** The receiver acknowledges once this share of the window has been consumed, not every frame. */
const ACK_FRACTION = 4;

/** The sender's side: how many bytes it may still send. */
export class SendCredit {
  constructor(private credit: number) {}

  get available(): number {
    return this.credit;
  }

  take(bytes: number): void {
    if (bytes > this.credit) throw new Error(`sending ${bytes} bytes with ${this.credit} credit`);
    this.credit -= bytes;
  }

  /** Returns false for an increment no honest peer sends (it would overflow the window). */
  grant(increment: number, limit: number): boolean {
    if (!Number.isInteger(increment) || increment <= 0 || this.credit + increment > limit) return false;
    this.credit += increment;
    return true;
  }
}

/** The receiver's side: checks the peer stays in its window and decides when to acknowledge. */
export class ReceiveWindow {
  /** Bytes the peer may still send. */
  private remaining: number;
  /** Bytes handed to the socket and not yet acknowledged. */
  private consumed = 0;

  constructor(readonly size: number) {
    this.remaining = size;
  }

  /** Returns false when the peer sent more than it was allowed: a protocol error. */
  receive(bytes: number): boolean {
    if (bytes > this.remaining) return false;
    this.remaining -= bytes;
    return true;
  }

  /** Bytes left the building; returns the increment to send now, or 0 to wait for more. */
  consume(bytes: number): number {
    this.consumed += bytes;
    if (this.consumed < this.size / ACK_FRACTION) return 0;
    const increment = this.consumed;
    this.consumed = 0;
    this.remaining += increment;
    return increment;
  }
}
