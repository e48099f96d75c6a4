// One end of an HTTP session's byte stream (a duplex pair end whose other end is the tunnel
// session), as frames: whole frames written one write() each (so exchanges interleave only at
// frame boundaries), frames read and handed to the owner, and the stream paused while any
// exchange's reader is full. A breach of the framing closes the stream: after one, nothing the
// peer sends can be trusted to mean what it says.
import { create, toBinary } from '@bufbuild/protobuf';
import { HttpResetSchema } from '@jitgate/proto';
import type { Duplex } from 'node:stream';
import { encodeFrame, FrameDecoder, FrameType, MAX_BODY_FRAME_BYTES, type Frame } from './frames.js';

export class SessionClosed extends Error {
  override readonly name = 'SessionClosed';
}

export interface WireOwner {
  /** A frame from the peer; a returned string is a breach of the protocol (the session closes). */
  frame(frame: Frame): string | undefined;
  /** The stream is gone (once). `breach` when this end closed it over a protocol breach. */
  closed(error: SessionClosed, breach: string | undefined): void;
}

export class FrameWire {
  readonly #socket: Duplex;
  readonly #decoder = new FrameDecoder();
  readonly #blocked = new Set<object>();
  #closed = false;
  #owner: WireOwner | undefined;

  constructor(socket: Duplex) {
    this.#socket = socket;
  }

  start(owner: WireOwner): void {
    this.#owner = owner;
    const socket = this.#socket;
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    // The peer's EOF ends the session: neither side half-closes a live one.
    socket.on('end', () => socket.destroy());
    socket.on('error', () => {
      // 'close' follows.
    });
    socket.on('close', () => this.#close(new SessionClosed('the session ended'), undefined));
  }

  get closed(): boolean {
    return this.#closed || this.#socket.destroyed;
  }

  send(type: FrameType, exchange: number, payload?: Uint8Array, done?: (error?: Error | null) => void): void {
    if (this.closed) {
      done?.(new SessionClosed('the session ended'));
      return;
    }
    this.#socket.write(encodeFrame(type, exchange, payload), done);
  }

  /** Gives an exchange up, telling the peer why. */
  sendReset(exchange: number, reason: string): void {
    this.send(FrameType.RESET, exchange, toBinary(HttpResetSchema, create(HttpResetSchema, { reason: reason.slice(0, 1000) })));
  }

  /** A body chunk as one or more BODY frames; `done` when the last is taken by the stream. */
  sendBody(exchange: number, chunk: Buffer, done: (error?: Error | null) => void): void {
    let rest = chunk;
    while (rest.length > MAX_BODY_FRAME_BYTES) {
      this.send(FrameType.BODY, exchange, rest.subarray(0, MAX_BODY_FRAME_BYTES));
      rest = rest.subarray(MAX_BODY_FRAME_BYTES);
    }
    this.send(FrameType.BODY, exchange, rest, done);
  }

  /** `reader` cannot take more: stop reading the session until it can. */
  block(reader: object): void {
    this.#blocked.add(reader);
    this.#socket.pause();
  }

  unblock(reader: object): void {
    if (!this.#blocked.delete(reader) || this.#blocked.size > 0 || this.closed) return;
    this.#socket.resume();
  }

  /** Closes the session's stream from this end. */
  close(reason: string): void {
    this.#close(new SessionClosed(reason), undefined);
  }

  /** Closes the session over a breach of the protocol. */
  breach(message: string): void {
    this.#close(new SessionClosed(`the peer broke the HTTP session protocol: ${message}`), message);
  }

  #receive(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      return this.breach((error as Error).message);
    }
    for (const frame of frames) {
      if (this.#closed) return;
      const breach = this.#owner?.frame(frame);
      if (breach !== undefined) return this.breach(breach);
    }
  }

  #close(error: SessionClosed, breach: string | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#blocked.clear();
    this.#socket.destroy();
    this.#owner?.closed(error, breach);
  }
}
