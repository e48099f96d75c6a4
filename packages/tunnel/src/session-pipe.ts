// One session on a tunnel: the bytes of a local socket (the client's at the gateway, the
// target's at the agent) or of another local end (local-end.ts) carried to and from the peer as DATA frames, with credit-based flow
// control in both directions, half-close (TCP FIN) passed through, and one end reported once.
//
//   open ──(local FIN)──► HalfClose sent      ──┐
//   open ──(peer HalfClose)──► socket.end()   ──┼─► closed (socket fully closed, or either side closes)
//   open ──close(reason) / peer SessionClose / protocol error / abort ─────────────────────► closed
import type { Duplex } from 'node:stream';
import { CloseReason } from '@jitgate/proto';
import { DEFAULT_WINDOW, MAX_FRAME, ReceiveWindow, SendCredit } from './flow-control.js';
import { toLocalEnd, type LocalEnd } from './local-end.js';

/** How a pipe talks to its peer; the tunnel implements it on its stream. */
export interface PeerFrames {
  sendData(payload: Uint8Array): void;
  sendWindowUpdate(increment: number): void;
  sendHalfClose(): void;
  sendClose(reason: CloseReason, message: string): void;
  /** False while the tunnel's transport is congested: the pipe stops reading its socket. */
  writable(): boolean;
}

export interface SessionStats {
  /** Bytes read from the local socket and sent to the peer. */
  bytesFromSocket: number;
  /** Bytes received from the peer and handed to the local socket. */
  bytesToSocket: number;
}

export interface SessionEnd {
  reason: CloseReason;
  message: string;
  /** Who ended it: this side (its socket, a deadline, a protocol error) or the peer. */
  by: 'local' | 'peer';
}

export interface SessionPipeOptions {
  /** What the peer advertised: bytes we may send before its first WindowUpdate. */
  sendWindow: number;
  /** What we advertised: bytes the peer may send before our first WindowUpdate. */
  receiveWindow?: number;
  maxFrame?: number;
  /** The reason reported when our socket closes by itself (client at the gateway, target at the agent). */
  socketClosedReason: CloseReason;
  onEnd(end: SessionEnd, stats: SessionStats): void;
}

/** How long a gracefully closed socket may take to flush before it is destroyed. */
const FLUSH_TIMEOUT_MS = 5_000;

export class SessionPipe {
  private readonly credit: SendCredit;
  private readonly window: ReceiveWindow;
  private readonly maxFrame: number;
  private readonly sendLimit: number;
  private readonly pending: Buffer[] = [];
  private localEnded = false;
  private halfCloseSent = false;
  private peerEnded = false;
  private closed = false;
  /** The socket closed cleanly while bytes still waited for credit: finish once they are sent. */
  private finishAfterFlush = false;
  readonly stats: SessionStats = { bytesFromSocket: 0, bytesToSocket: 0 };
  private readonly socket: LocalEnd;

  constructor(
    local: Duplex | LocalEnd,
    private readonly frames: PeerFrames,
    private readonly options: SessionPipeOptions,
  ) {
    this.socket = toLocalEnd(local);
    this.credit = new SendCredit(options.sendWindow);
    this.sendLimit = Math.max(options.sendWindow, DEFAULT_WINDOW) * 4;
    this.window = new ReceiveWindow(options.receiveWindow ?? DEFAULT_WINDOW);
    this.maxFrame = options.maxFrame ?? MAX_FRAME;
    this.socket.bind({
      data: (chunk) => {
        this.pending.push(chunk);
        this.pump();
      },
      end: () => {
        this.localEnded = true;
        this.pump();
      },
      close: (hadError) => {
        if (!hadError && this.localEnded && (this.pending.length > 0 || !this.halfCloseSent)) {
          // Node emits 'end' and then 'close' even while we hold bytes back for lack of credit;
          // those bytes belong to the peer, so the session ends only after they are sent.
          this.finishAfterFlush = true;
          this.pump();
          return;
        }
        this.finish({ reason: options.socketClosedReason, message: 'socket closed', by: 'local' }, true);
      },
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get receiveWindowSize(): number {
    return this.window.size;
  }

  // ---- frames from the peer -------------------------------------------------------------

  onData(payload: Uint8Array): void {
    if (this.closed) return;
    if (this.peerEnded) return this.protocolError('data after half-close');
    if (!this.window.receive(payload.byteLength)) return this.protocolError('data beyond the advertised window');
    const length = payload.byteLength;
    // Counted when handed to the socket, not when it confirms: a peer's SessionClose right after
    // its last DATA ends the session before a slow reader's socket confirms those writes, and
    // they still reach it (onClose ends the socket gracefully).
    this.stats.bytesToSocket += length;
    this.socket.write(payload, (error) => {
      if (error || this.closed) return;
      const increment = this.window.consume(length);
      if (increment > 0) this.frames.sendWindowUpdate(increment);
    });
  }

  onWindowUpdate(increment: number): void {
    if (this.closed) return;
    if (!this.credit.grant(increment, this.sendLimit)) return this.protocolError('invalid window update');
    this.pump();
  }

  onHalfClose(): void {
    if (this.closed || this.peerEnded) return;
    this.peerEnded = true;
    this.socket.end();
  }

  onClose(reason: CloseReason, message: string): void {
    if (this.closed) return;
    const graceful = reason === CloseReason.CLIENT_CLOSED || reason === CloseReason.TARGET_CLOSED;
    this.finish({ reason, message, by: 'peer' }, false);
    if (graceful) {
      // Everything the peer sent before closing has been written; let it reach the socket.
      this.socket.end();
      setTimeout(() => this.socket.destroy(), FLUSH_TIMEOUT_MS).unref();
    } else {
      this.socket.destroy();
    }
  }

  // ---- decisions on this side -----------------------------------------------------------

  /** Ends the session now (expiry, revocation, shutdown): tells the peer and drops the socket. */
  close(reason: CloseReason, message: string): void {
    if (this.closed) return;
    this.finish({ reason, message, by: 'local' }, true);
    this.socket.destroy();
  }

  /** Ends the session without telling the peer (the tunnel itself is gone). */
  abort(reason: CloseReason, message: string): void {
    if (this.closed) return;
    this.finish({ reason, message, by: 'local' }, false);
    this.socket.destroy();
  }

  /** The tunnel's transport drained: read on. */
  resume(): void {
    this.pump();
  }

  // ---- internals ------------------------------------------------------------------------

  /** Sends what the socket gave us, as far as credit and the transport allow. */
  private pump(): void {
    if (this.closed) return;
    while (this.pending.length > 0) {
      const available = this.credit.available;
      if (available === 0 || !this.frames.writable()) {
        this.socket.pause();
        return;
      }
      const chunk = this.pending[0] as Buffer;
      const size = Math.min(chunk.length, available, this.maxFrame);
      this.frames.sendData(chunk.subarray(0, size));
      this.credit.take(size);
      this.stats.bytesFromSocket += size;
      if (size === chunk.length) this.pending.shift();
      else this.pending[0] = chunk.subarray(size);
    }
    if (this.localEnded) {
      if (!this.halfCloseSent) {
        this.halfCloseSent = true;
        this.frames.sendHalfClose();
      }
      if (this.finishAfterFlush) {
        this.finish({ reason: this.options.socketClosedReason, message: 'socket closed', by: 'local' }, true);
      }
      return;
    }
    this.socket.resume();
  }

  private protocolError(message: string): void {
    this.close(CloseReason.PROTOCOL_ERROR, message);
  }

  private finish(end: SessionEnd, tellPeer: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.length = 0;
    if (tellPeer) this.frames.sendClose(end.reason, end.message);
    this.options.onEnd(end, { ...this.stats });
  }
}
