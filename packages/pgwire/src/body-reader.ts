// A bounds-checked cursor over one message body. Every read that would run past the end throws
// PgWireError('malformed') instead of a RangeError, so decoders stay strict with little code.
import { PgWireError } from './errors.js';

/** Internal cursor used by the decoders; `what` names the message in error texts. */
export class BodyReader {
  private off = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.off;
  }

  fail(reason: string): never {
    throw new PgWireError('malformed', `${this.what}: ${reason}`);
  }

  private need(n: number): void {
    if (this.buf.length - this.off < n) this.fail('truncated');
  }

  byte(): number {
    this.need(1);
    return this.buf[this.off++]!;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.off);
    this.off += 2;
    return v;
  }

  /** Counts are sent as Int16 but read unsigned by the server (pq_getmsgint), so up to 65535. */
  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.off);
    this.off += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.off);
    this.off += 4;
    return v;
  }

  /** OIDs are unsigned 32-bit. */
  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }

  /** A NUL-terminated string that must end inside the body. */
  cstring(): string {
    const end = this.buf.indexOf(0, this.off);
    if (end < 0) this.fail('unterminated string');
    const s = this.buf.toString('utf8', this.off, end);
    this.off = end + 1;
    return s;
  }

  /** A view (no copy) of the next n bytes. */
  bytes(n: number): Buffer {
    if (n < 0) this.fail('negative length');
    this.need(n);
    const v = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }

  /** A length-prefixed value as in Bind and DataRow: -1 is NULL, other negatives are invalid. */
  value(): Buffer | null {
    const len = this.int32();
    if (len === -1) return null;
    if (len < 0) this.fail('negative value length');
    return this.bytes(len);
  }

  rest(): Buffer {
    const v = this.buf.subarray(this.off);
    this.off = this.buf.length;
    return v;
  }

  /** No trailing garbage: the decoder consumed exactly the body. */
  end(): void {
    if (this.off !== this.buf.length) this.fail('trailing bytes');
  }
}
