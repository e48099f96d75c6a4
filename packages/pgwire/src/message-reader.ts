// Streaming framer for protocol v3. Frames are returned as views into the pushed chunks: a frame
// that arrived whole in one chunk is never copied, a frame split across chunks is copied once
// (or twice when its header was split too). The length header is checked as soon as it is
// readable, so an oversized frame is refused before its body is buffered.
// Spec: https://www.postgresql.org/docs/current/protocol-message-formats.html
import { PgWireError } from './errors.js';
import { isStartupModeCode } from './startup.js';

/** One frame. `type` is the type byte, or 0 for the untyped startup packet. */
export interface PgMessage {
  type: number;
  /** The body after the header (view). */
  body: Buffer;
  /** The whole frame including the header (view where possible): forward it unchanged. */
  raw: Buffer;
}

/** Limits of a MessageReader. */
export interface MessageReaderOptions {
  /** Largest accepted value of the length field (which counts itself, not the type byte). */
  maxMessageBytes: number;
  /** True on the server side of a fresh connection: the first packet is untyped. */
  expectStartup?: boolean;
}

/** Startup packets are bounded by the server itself (MAX_STARTUP_PACKET_LENGTH). */
export const MIN_STARTUP_LENGTH = 8;
export const MAX_STARTUP_LENGTH = 10_000;

const EMPTY = Buffer.alloc(0);

/** Splits a byte stream into frames; push() chunks in, call next() until it returns undefined. */
export class MessageReader {
  private maxMessageBytes: number;
  private startup: boolean;
  private cur: Buffer = EMPTY;
  private pos = 0;
  private queue: Buffer[] = [];
  private queued = 0;
  private failure: PgWireError | undefined;

  constructor(options: MessageReaderOptions) {
    if (!Number.isInteger(options.maxMessageBytes) || options.maxMessageBytes < MIN_STARTUP_LENGTH) {
      throw new RangeError('maxMessageBytes must be an integer >= 8');
    }
    this.maxMessageBytes = options.maxMessageBytes;
    this.startup = options.expectStartup ?? false;
  }

  /** True while the next frame is expected to be an untyped startup packet. */
  get inStartup(): boolean {
    return this.startup;
  }

  /**
   * Bytes received but not yet returned as frames. After an SSLRequest/GSSENCRequest this must be
   * 0 before the caller answers 'S' and starts TLS: plaintext sent ahead of the handshake could be
   * injected by a man in the middle (CVE-2021-23214), so refuse the connection otherwise.
   */
  get bufferedBytes(): number {
    return this.cur.length - this.pos + this.queued;
  }

  /** A new limit for the frames still to come (login allows little; a session more). */
  setMaxMessageBytes(maxMessageBytes: number): void {
    if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < MIN_STARTUP_LENGTH) throw new RangeError('maxMessageBytes must be an integer >= 8');
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Hands over the bytes not yet framed (e.g. to push back onto a socket) and empties the reader. */
  takeBuffered(): Buffer {
    const rest = Buffer.concat([this.cur.subarray(this.pos), ...this.queue]);
    this.cur = EMPTY;
    this.pos = 0;
    this.queue = [];
    this.queued = 0;
    return rest;
  }

  /** Switch to typed frames explicitly (next() also does it after a StartupMessage). */
  startupDone(): void {
    this.startup = false;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.pos === this.cur.length) {
      this.cur = chunk;
      this.pos = 0;
    } else {
      this.queue.push(chunk);
      this.queued += chunk.length;
    }
  }

  /** The next complete frame, or undefined when more bytes are needed. Errors are sticky. */
  next(): PgMessage | undefined {
    if (this.failure) throw this.failure;
    const headerLen = this.startup ? 4 : 5;
    if (this.cur.length - this.pos < headerLen && !this.gather(headerLen)) return undefined;
    const cur0 = this.cur;
    const start = this.pos;
    const type = this.startup ? 0 : cur0[start]!;
    const length = cur0.readInt32BE(this.startup ? start : start + 1);
    this.checkLength(type, length);
    const frameLen = this.startup ? length : length + 1;
    if (this.cur.length - this.pos < frameLen && !this.gather(frameLen)) return undefined;
    const buf = this.cur;
    const at = this.pos;
    const raw = buf.subarray(at, at + frameLen);
    const body = buf.subarray(at + headerLen, at + frameLen);
    this.pos = at + frameLen;
    if (this.pos === buf.length) this.shift();
    if (this.startup && !isStartupModeCode(body.readInt32BE(0))) this.startup = false;
    return { type, body, raw };
  }

  private checkLength(type: number, length: number): void {
    if (this.startup) {
      if (length < MIN_STARTUP_LENGTH || length > MAX_STARTUP_LENGTH) {
        this.fail('bad_length', `startup packet length ${length} outside [${MIN_STARTUP_LENGTH}, ${MAX_STARTUP_LENGTH}]`);
      }
    } else if (length < 4) {
      this.fail('bad_length', `message type 0x${type.toString(16)} has length ${length} < 4`);
    }
    if (length > this.maxMessageBytes) {
      this.fail('too_large', `message type 0x${type.toString(16)} of ${length} bytes exceeds ${this.maxMessageBytes}`);
    }
  }

  private fail(code: 'bad_length' | 'too_large', message: string): never {
    this.failure = new PgWireError(code, message);
    throw this.failure;
  }

  /** Make `cur` hold at least n unread bytes by merging queued chunks; false if not enough yet. */
  private gather(n: number): boolean {
    if (this.cur.length - this.pos + this.queued < n) return false;
    const parts = [this.cur.subarray(this.pos), ...this.queue];
    this.cur = Buffer.concat(parts, this.cur.length - this.pos + this.queued);
    this.pos = 0;
    this.queue = [];
    this.queued = 0;
    return true;
  }

  private shift(): void {
    const nextChunk = this.queue.shift();
    if (nextChunk) {
      this.cur = nextChunk;
      this.queued -= nextChunk.length;
    } else {
      this.cur = EMPTY;
    }
    this.pos = 0;
  }
}
