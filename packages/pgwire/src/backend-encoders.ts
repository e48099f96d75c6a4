// Encoders for server messages: what the gateway itself answers (its own login, refusals) and
// the DataRows it rewrites when masking.
import { PgWireError } from './errors.js';
import type { FieldDescription, TransactionStatus } from './backend-decoders.js';
import { BackendType } from './message-types.js';
import { MAX_CANCEL_KEY, MIN_CANCEL_KEY } from './startup.js';
import { checkCount, cstringSize, emptyFrame, putCString, typedFrame } from './writer.js';

/** DataRow ('D'); strings are sent as UTF-8, null as SQL NULL. */
export function encodeDataRow(values: (Buffer | string | null)[]): Buffer {
  checkCount(values.length, 'DataRow columns');
  let len = 2;
  for (const v of values) len += 4 + (v === null ? 0 : typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length);
  const b = typedFrame(BackendType.DataRow, len);
  let off = b.writeUInt16BE(values.length, 5);
  for (const v of values) {
    if (v === null) {
      off = b.writeInt32BE(-1, off);
    } else if (typeof v === 'string') {
      const n = b.write(v, off + 4, 'utf8');
      b.writeInt32BE(n, off);
      off += 4 + n;
    } else {
      off = b.writeInt32BE(v.length, off);
      off += v.copy(b, off);
    }
  }
  return b;
}

/** RowDescription ('T'). */
export function encodeRowDescription(fields: FieldDescription[]): Buffer {
  checkCount(fields.length, 'RowDescription fields');
  let len = 2;
  for (const f of fields) len += cstringSize(f.name, 'field name') + 18;
  const b = typedFrame(BackendType.RowDescription, len);
  let off = b.writeUInt16BE(fields.length, 5);
  for (const f of fields) {
    off = putCString(b, off, f.name);
    off = b.writeUInt32BE(f.tableOid, off);
    off = b.writeInt16BE(f.columnAttr, off);
    off = b.writeUInt32BE(f.typeOid, off);
    off = b.writeInt16BE(f.typeSize, off);
    off = b.writeInt32BE(f.typeModifier, off);
    off = b.writeInt16BE(f.format, off);
  }
  return b;
}

/** What the gateway reports in an ErrorResponse or NoticeResponse. */
export interface NoticeInit {
  severity: 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE' | 'DEBUG' | 'INFO' | 'LOG';
  /** Five-character SQLSTATE, see SqlState. */
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

function noticeFrame(type: number, init: NoticeInit): Buffer {
  if (!/^[0-9A-Z]{5}$/.test(init.code)) throw new PgWireError('malformed', 'SQLSTATE must be five characters [0-9A-Z]');
  // 'S' may be localized by a server; 'V' never is (protocol 3, PG >= 9.6). We send both.
  const fields: [number, string][] = [
    [0x53, init.severity],
    [0x56, init.severity],
    [0x43, init.code],
    [0x4d, init.message],
  ];
  if (init.detail !== undefined) fields.push([0x44, init.detail]);
  if (init.hint !== undefined) fields.push([0x48, init.hint]);
  let len = 1;
  for (const [, v] of fields) len += 1 + cstringSize(v, 'notice field');
  const b = typedFrame(type, len);
  let off = 5;
  for (const [k, v] of fields) {
    b[off++] = k;
    off = putCString(b, off, v);
  }
  b[off] = 0;
  return b;
}

/** ErrorResponse ('E'): ERROR keeps the session, FATAL precedes closing it. */
export function encodeErrorResponse(init: NoticeInit & { severity: 'ERROR' | 'FATAL' }): Buffer {
  return noticeFrame(BackendType.ErrorResponse, init);
}

/** NoticeResponse ('N'). */
export function encodeNoticeResponse(init: NoticeInit): Buffer {
  return noticeFrame(BackendType.NoticeResponse, init);
}

function authFrame(code: number, extra = 0): Buffer {
  const b = typedFrame(BackendType.Authentication, 4 + extra);
  b.writeInt32BE(code, 5);
  return b;
}

/** AuthenticationOk ('R', 0). */
export function encodeAuthenticationOk(): Buffer {
  return authFrame(0);
}

/** AuthenticationCleartextPassword ('R', 3): the gateway asks for the user's grant token. */
export function encodeAuthenticationCleartextPassword(): Buffer {
  return authFrame(3);
}

/** AuthenticationMD5Password ('R', 5) with a 4-byte salt. */
export function encodeAuthenticationMD5Password(salt: Buffer): Buffer {
  if (salt.length !== 4) throw new PgWireError('malformed', 'MD5 salt must be 4 bytes');
  const b = authFrame(5, 4);
  salt.copy(b, 9);
  return b;
}

/** AuthenticationSASL ('R', 10) offering mechanisms. */
export function encodeAuthenticationSASL(mechanisms: string[]): Buffer {
  let extra = 1;
  for (const m of mechanisms) extra += cstringSize(m, 'SASL mechanism');
  const b = authFrame(10, extra);
  let off = 9;
  for (const m of mechanisms) off = putCString(b, off, m);
  b[off] = 0;
  return b;
}

/** AuthenticationSASLContinue ('R', 11). */
export function encodeAuthenticationSASLContinue(data: Buffer): Buffer {
  const b = authFrame(11, data.length);
  data.copy(b, 9);
  return b;
}

/** AuthenticationSASLFinal ('R', 12). */
export function encodeAuthenticationSASLFinal(data: Buffer): Buffer {
  const b = authFrame(12, data.length);
  data.copy(b, 9);
  return b;
}

/** ParameterStatus ('S'): clients expect at least server_version, client_encoding, ... */
export function encodeParameterStatus(name: string, value: string): Buffer {
  const b = typedFrame(BackendType.ParameterStatus, cstringSize(name, 'parameter name') + cstringSize(value, 'parameter value'));
  putCString(b, putCString(b, 5, name), value);
  return b;
}

/** BackendKeyData ('K'): the key clients send back in a CancelRequest. */
export function encodeBackendKeyData(processId: number, secretKey: Buffer): Buffer {
  if (secretKey.length < MIN_CANCEL_KEY || secretKey.length > MAX_CANCEL_KEY) {
    throw new PgWireError('malformed', `cancel key of ${secretKey.length} bytes outside [${MIN_CANCEL_KEY}, ${MAX_CANCEL_KEY}]`);
  }
  const b = typedFrame(BackendType.BackendKeyData, 4 + secretKey.length);
  b.writeInt32BE(processId, 5);
  secretKey.copy(b, 9);
  return b;
}

/** ReadyForQuery ('Z'). */
export function encodeReadyForQuery(status: TransactionStatus): Buffer {
  if (status !== 'I' && status !== 'T' && status !== 'E') throw new PgWireError('malformed', 'transaction status must be I, T or E');
  const b = typedFrame(BackendType.ReadyForQuery, 1);
  b[5] = status.charCodeAt(0);
  return b;
}

/** CommandComplete ('C') with a tag such as "SELECT 1". */
export function encodeCommandComplete(tag: string): Buffer {
  const b = typedFrame(BackendType.CommandComplete, cstringSize(tag, 'command tag'));
  putCString(b, 5, tag);
  return b;
}

/** EmptyQueryResponse ('I'): the answer to an empty query string. */
export function encodeEmptyQueryResponse(): Buffer {
  return emptyFrame(BackendType.EmptyQueryResponse);
}

/** ParameterDescription ('t'). */
export function encodeParameterDescription(typeOids: number[]): Buffer {
  checkCount(typeOids.length, 'ParameterDescription');
  const b = typedFrame(BackendType.ParameterDescription, 2 + 4 * typeOids.length);
  let off = b.writeUInt16BE(typeOids.length, 5);
  for (const oid of typeOids) off = b.writeUInt32BE(oid, off);
  return b;
}

/** CopyInResponse/CopyOutResponse/CopyBothResponse: pass the type byte from BackendType. */
export function encodeCopyResponse(type: number, format: number, columnFormats: number[]): Buffer {
  checkCount(columnFormats.length, 'copy column formats');
  const b = typedFrame(type, 3 + 2 * columnFormats.length);
  b[5] = format;
  let off = b.writeUInt16BE(columnFormats.length, 6);
  for (const f of columnFormats) off = b.writeInt16BE(f, off);
  return b;
}

/** ParseComplete, BindComplete, CloseComplete, NoData, PortalSuspended. */
export function encodeEmptyBackend(type: number): Buffer {
  return emptyFrame(type);
}

/**
 * An ErrorResponse or NoticeResponse with exactly these fields, in this order: a proxy that
 * rewrites some fields (masking) keeps the others as the server sent them.
 */
export function encodeNoticeFields(type: typeof BackendType.ErrorResponse | typeof BackendType.NoticeResponse, fields: Readonly<Record<string, string>>): Buffer {
  const entries = Object.entries(fields);
  let len = 1;
  for (const [code, value] of entries) {
    if (code.length !== 1 || code === '\0') throw new PgWireError('malformed', 'a notice field code is one character');
    len += 1 + cstringSize(value, 'notice field');
  }
  const b = typedFrame(type, len);
  let off = 5;
  for (const [code, value] of entries) {
    b[off++] = code.charCodeAt(0) & 0xff;
    off = putCString(b, off, value);
  }
  b[off] = 0;
  return b;
}

/** NotificationResponse ('A'): a NOTIFY for a LISTENing session. */
export function encodeNotificationResponse(processId: number, channel: string, payload: string): Buffer {
  const b = typedFrame(BackendType.NotificationResponse, 4 + cstringSize(channel, 'channel') + cstringSize(payload, 'payload'));
  b.writeInt32BE(processId, 5);
  const off = putCString(b, 9, channel);
  putCString(b, off, payload);
  return b;
}
