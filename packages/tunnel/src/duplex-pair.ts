// Two connected in-memory Duplex streams, like the two ends of a socket: what one end writes,
// the other reads. Node 20 has no `stream.duplexPair` (added in 22.6). HTTP sessions speak their
// frames (@jitgate/http-session) on these: the gateway's exchange client (apps/gateway/src/http)
// on one side, the agent's exchange server (http-dialer.ts) on the other, each with one end here
// and the tunnel session on the other end.
//
// Semantics, chosen to match what the session pipe expects of a TCP socket:
//   - backpressure: a write completes only once the other end has room in its read buffer, so a
//     slow reader stalls the writer instead of growing a buffer (duplex-pair.spec.ts);
//   - half-close: `end()` on one end is EOF on the other (allowHalfOpen on both ends);
//   - destroy: the other end reads what it was already sent, then EOF, then closes; writes to a
//     destroyed end fail with EPIPE;
//   - the parts of net.Socket that Node's HTTP agent and server call: an idle timeout that
//     emits 'timeout' (keep-alive and request timeouts rely on it), the rest no-ops.
import { Duplex } from 'node:stream';

class PairEnd extends Duplex {
  #peer: PairEnd | undefined;
  /** Our pending write, completed when the peer reads again. */
  #blocked: ((error?: Error | null) => void) | undefined;
  /** EOF has been pushed onto our readable side. */
  #eof = false;
  #idleMs = 0;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor() {
    super({ allowHalfOpen: true });
  }

  setTimeout(ms: number, callback?: () => void): this {
    this.#idleMs = ms;
    if (callback) this.once('timeout', callback);
    this.touch();
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }

  /** Traffic either way restarts the idle timer. */
  touch(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#idleMs > 0 && !this.destroyed) {
      this.#idleTimer = setTimeout(() => this.emit('timeout'), this.#idleMs);
      this.#idleTimer.unref();
    }
  }

  connect(peer: PairEnd): void {
    this.#peer = peer;
  }

  override _read(): void {
    const peer = this.#peer;
    if (!peer) return;
    const blocked = peer.#blocked;
    peer.#blocked = undefined;
    blocked?.();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this.#peer;
    if (!peer || peer.destroyed || peer.#eof) return callback(epipe());
    this.touch();
    peer.touch();
    if (peer.push(chunk)) callback();
    else this.#blocked = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.#peer) this.#peer.#pushEof();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.#idleTimer);
    const blocked = this.#blocked;
    this.#blocked = undefined;
    blocked?.(error ?? epipe());
    const peer = this.#peer;
    if (peer && !peer.destroyed) {
      const peerBlocked = peer.#blocked;
      peer.#blocked = undefined;
      peerBlocked?.(epipe());
      peer.#pushEof();
      if (peer.readableEnded) peer.destroy();
      else peer.once('end', () => peer.destroy());
    }
    callback(error);
  }

  #pushEof(): void {
    if (this.#eof || this.destroyed) return;
    this.#eof = true;
    this.push(null);
  }
}

function epipe(): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error('write after the other end closed');
  error.code = 'EPIPE';
  return error;
}

export function duplexPair(): [Duplex, Duplex] {
  const a = new PairEnd();
  const b = new PairEnd();
  a.connect(b);
  b.connect(a);
  return [a, b];
}
