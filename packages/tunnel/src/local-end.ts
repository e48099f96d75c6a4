// The local end of a session: what a SessionPipe reads from and writes to. Usually a socket
// (the client's at the gateway, the target's at the agent, an HTTP session's duplex pair),
// adapted by DuplexEnd; a protocol layer may implement it directly, so that the tunnel's bytes
// reach its message handlers without a Node stream in between (the postgres session,
// apps/gateway/src/data-plane/postgres/pg-session.ts).
import { Duplex } from 'node:stream';

/** Where a local end delivers what happens on its side; the pipe binds it once. */
export interface LocalSink {
  /** Bytes for the peer. May come while paused (a chunk already read): the pipe holds it. */
  data(chunk: Buffer): void;
  /** No more bytes for the peer (TCP FIN): the pipe sends a HalfClose once they are out. */
  end(): void;
  /** The end is gone; `hadError` as for a socket's 'close'. After the pipe's own destroy() it is ignored. */
  close(hadError: boolean): void;
}

export interface LocalEnd {
  readonly destroyed: boolean;
  /** Called once, by the pipe's constructor. */
  bind(sink: LocalSink): void;
  /**
   * Bytes from the peer. `done` runs once they are handed on (written, or queued within the
   * socket's high-water mark) — possibly before write returns: the pipe then acknowledges them
   * to the peer, so a slow reader on this side holds the peer back.
   */
  write(bytes: Uint8Array, done: (error?: Error | null) => void): void;
  /** The peer half-closed: finish writing, then FIN. */
  end(): void;
  destroy(): void;
  /** Stop producing: the tunnel or the peer's window is full. */
  pause(): void;
  resume(): void;
}

/** A real Duplex (net.Socket, TLSSocket, duplexPair's ends) as a local end. */
export class DuplexEnd implements LocalEnd {
  constructor(private readonly socket: Duplex) {}

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  bind(sink: LocalSink): void {
    const socket = this.socket;
    socket.on('data', (chunk: Buffer) => sink.data(chunk));
    socket.on('end', () => sink.end());
    socket.on('error', () => {
      // 'close' follows and ends the session; the error itself is the socket's business.
    });
    socket.on('close', (hadError: boolean) => sink.close(hadError));
  }

  write(bytes: Uint8Array, done: (error?: Error | null) => void): void {
    this.socket.write(bytes, done);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }
}

/** Sockets are adapted; anything else already is a local end. */
export function toLocalEnd(local: Duplex | LocalEnd): LocalEnd {
  return local instanceof Duplex ? new DuplexEnd(local) : local;
}
