// Helpers for encoders: sizes are computed first, then one Buffer is filled (no concat).
import { PgWireError } from './errors.js';

/** Byte size of a C string including its NUL; a NUL inside would split the field, so refuse it. */
export function cstringSize(s: string, what: string): number {
  if (s.includes('\0')) throw new PgWireError('malformed', `${what} contains a NUL character`);
  return Buffer.byteLength(s, 'utf8') + 1;
}

/** A typed frame with its header written; the body starts at offset 5. */
export function typedFrame(type: number, bodyLen: number): Buffer {
  const b = Buffer.allocUnsafe(bodyLen + 5);
  b[0] = type;
  b.writeInt32BE(bodyLen + 4, 1);
  return b;
}

/** Writes s and its NUL at off; returns the offset after it. */
export function putCString(b: Buffer, off: number, s: string): number {
  const n = b.write(s, off, 'utf8');
  b[off + n] = 0;
  return off + n + 1;
}

/** Checks an Int16 count before it is written (the wire field cannot hold more). */
export function checkCount(n: number, what: string): void {
  if (n > 0xffff) throw new PgWireError('too_large', `${what}: ${n} entries exceed 65535`);
}

/** A frame with an empty body (Sync, Flush, ParseComplete, ...). */
export function emptyFrame(type: number): Buffer {
  return typedFrame(type, 0);
}
