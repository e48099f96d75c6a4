// The untyped packets that open a connection: StartupMessage, SSLRequest, GSSENCRequest and
// CancelRequest. Spec: protocol-message-formats.html ("StartupMessage", "CancelRequest").
import { BodyReader } from './body-reader.js';
import { PgWireError } from './errors.js';
import { cstringSize, putCString } from './writer.js';

/** Request codes carried where a protocol version would be. */
export const StartupCode = {
  /** Protocol 3.0: (3 << 16) | 0. */
  Protocol3: 196608,
  SSLRequest: 80877103,
  GSSENCRequest: 80877104,
  CancelRequest: 80877102,
} as const;

/** PG 18 allows cancel keys up to 256 bytes; before that they are 4 bytes. */
/**
 * Startup parameters a proxy may pass on from a client to the server: formatting and naming
 * only. Left out on purpose: `options` (it can carry `-c role=…` or any setting), `replication`,
 * and `user`/`database`, which the proxy chooses.
 */
export const FORWARDED_STARTUP_PARAMETERS: ReadonlySet<string> = new Set(['application_name', 'client_encoding', 'DateStyle', 'TimeZone', 'extra_float_digits', 'IntervalStyle', 'search_path']);

export const MIN_CANCEL_KEY = 4;
export const MAX_CANCEL_KEY = 256;

/** An SSL/GSSENC request is followed by another startup packet, so the framer stays untyped. */
export function isStartupModeCode(code: number): boolean {
  return code === StartupCode.SSLRequest || code === StartupCode.GSSENCRequest;
}

/** A decoded startup packet. */
export type StartupPacket = { kind: 'ssl' } | { kind: 'gssenc' } | { kind: 'cancel'; processId: number; secretKey: Buffer } | { kind: 'startup'; protocolVersion: number; params: Record<string, string> };

/**
 * Decodes the body of a startup packet (after its length). Protocol major versions other than 3
 * and unknown request codes are refused; any 3.x minor is accepted (the server answers a newer
 * minor with NegotiateProtocolVersion). Duplicate parameter names are refused so that a policy
 * and the server never read different values for `user` or `database`.
 */
export function parseStartupPacket(body: Buffer): StartupPacket {
  const r = new BodyReader(body, 'startup packet');
  const code = r.int32();
  switch (code) {
    case StartupCode.SSLRequest:
      r.end();
      return { kind: 'ssl' };
    case StartupCode.GSSENCRequest:
      r.end();
      return { kind: 'gssenc' };
    case StartupCode.CancelRequest: {
      const processId = r.int32();
      const secretKey = r.rest();
      if (secretKey.length < MIN_CANCEL_KEY || secretKey.length > MAX_CANCEL_KEY) {
        r.fail(`cancel key of ${secretKey.length} bytes outside [${MIN_CANCEL_KEY}, ${MAX_CANCEL_KEY}]`);
      }
      return { kind: 'cancel', processId, secretKey };
    }
    default:
      break;
  }
  if (code >>> 16 !== 3) {
    throw new PgWireError('protocol_violation', `unsupported protocol version or request code ${code >>> 16}.${code & 0xffff}`);
  }
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (;;) {
    const name = r.cstring();
    if (name === '') break;
    const value = r.cstring();
    if (Object.hasOwn(params, name)) r.fail(`duplicate parameter "${name}"`);
    params[name] = value;
  }
  r.end();
  return { kind: 'startup', protocolVersion: code, params };
}

/** StartupMessage for protocol 3.0 with the given parameters (user is required by servers). */
export function encodeStartupMessage(params: Record<string, string>): Buffer {
  let len = 4 + 4 + 1;
  const entries = Object.entries(params);
  for (const [k, v] of entries) {
    if (k === '') throw new PgWireError('malformed', 'startup parameter with an empty name');
    len += cstringSize(k, 'startup parameter name') + cstringSize(v, `startup parameter ${k}`);
  }
  const b = Buffer.allocUnsafe(len);
  b.writeInt32BE(len, 0);
  b.writeInt32BE(StartupCode.Protocol3, 4);
  let off = 8;
  for (const [k, v] of entries) {
    off = putCString(b, off, k);
    off = putCString(b, off, v);
  }
  b[off] = 0;
  return b;
}

function codePacket(code: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeInt32BE(8, 0);
  b.writeInt32BE(code, 4);
  return b;
}

/** SSLRequest: the server answers one byte, 'S' or 'N'. */
export function encodeSSLRequest(): Buffer {
  return codePacket(StartupCode.SSLRequest);
}

/** GSSENCRequest: the server answers one byte, 'G' or 'N'. */
export function encodeGSSENCRequest(): Buffer {
  return codePacket(StartupCode.GSSENCRequest);
}

/** CancelRequest sent on a new connection with the key from BackendKeyData. */
export function encodeCancelRequest(processId: number, secretKey: Buffer): Buffer {
  if (secretKey.length < MIN_CANCEL_KEY || secretKey.length > MAX_CANCEL_KEY) {
    throw new PgWireError('malformed', `cancel key of ${secretKey.length} bytes outside [${MIN_CANCEL_KEY}, ${MAX_CANCEL_KEY}]`);
  }
  const len = 12 + secretKey.length;
  const b = Buffer.allocUnsafe(len);
  b.writeInt32BE(len, 0);
  b.writeInt32BE(StartupCode.CancelRequest, 4);
  b.writeInt32BE(processId, 8);
  secretKey.copy(b, 12);
  return b;
}
