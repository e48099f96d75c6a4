// Two connected in-memory Duplex streams, like the two ends of a socket: what one end writes,
// the other reads. Node 20 has no `stream.duplexPair` (added in 22.6). The HTTP dialer hands one
// end to an in-process node:http Server and the other to the tunnel session (http-dialer.ts).
//
// Semantics, chosen to match what the session pipe expects of a TCP socket:
//   - backpressure: a write completes only once the other end has room in its read buffer, so a
//     slow reader stalls the writer instead of growing a buffer (duplex-pair.spec.ts);
//   - half-close: `end()` on one end is EOF on the other (allowHalfOpen on both ends);
//   - destroy: the other end reads what it was already sent, then EOF, then closes; writes to a
//     destroyed end fail with EPIPE.
import { Duplex } from 'node:stream';

class PairEnd extends Duplex {
  #peer: PairEnd | undefined;
  /** Our pending write, completed when the peer reads again. */
  #blocked: ((error?: Error | null) => void) | undefined;
  /** EOF has been pushed onto our readable side. */
  #eof = false;

  constructor() {
    super({ allowHalfOpen: true });
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
    if (peer.push(chunk)) callback();
    else this.#blocked = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.#peer) this.#peer.#pushEof();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
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
