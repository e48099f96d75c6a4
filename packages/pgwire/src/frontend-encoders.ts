// Encoders for client messages: used by the agent (which logs in to the real server) and tests.
import { PgWireError } from './errors.js';
import { FrontendType } from './message-types.js';
import { checkCount, cstringSize, emptyFrame, putCString, typedFrame } from './writer.js';

/** Query ('Q'). */
export function encodeQuery(sql: string): Buffer {
  const b = typedFrame(FrontendType.Query, cstringSize(sql, 'query'));
  putCString(b, 5, sql);
  return b;
}

/** PasswordMessage ('p'): cleartext password or the md5 hash string. */
export function encodePasswordMessage(password: string): Buffer {
  const b = typedFrame(FrontendType.Password, cstringSize(password, 'password'));
  putCString(b, 5, password);
  return b;
}

/** SASLInitialResponse ('p'): mechanism name and the client-first message. */
export function encodeSASLInitialResponse(mechanism: string, data: Buffer): Buffer {
  const b = typedFrame(FrontendType.Password, cstringSize(mechanism, 'SASL mechanism') + 4 + data.length);
  let off = putCString(b, 5, mechanism);
  off = b.writeInt32BE(data.length, off);
  data.copy(b, off);
  return b;
}

/** SASLResponse ('p'): the client-final message. */
export function encodeSASLResponse(data: Buffer): Buffer {
  const b = typedFrame(FrontendType.Password, data.length);
  data.copy(b, 5);
  return b;
}

/** Parse ('P'); paramTypes are OIDs, 0 = let the server infer. */
export function encodeParse(name: string, sql: string, paramTypes: number[] = []): Buffer {
  checkCount(paramTypes.length, 'Parse parameter types');
  const b = typedFrame(FrontendType.Parse, cstringSize(name, 'statement name') + cstringSize(sql, 'query') + 2 + 4 * paramTypes.length);
  let off = putCString(b, 5, name);
  off = putCString(b, off, sql);
  off = b.writeUInt16BE(paramTypes.length, off);
  for (const oid of paramTypes) off = b.writeUInt32BE(oid, off);
  return b;
}

/** Bind fields; everything defaults to empty/unnamed. */
export interface BindOptions {
  portal?: string;
  statement?: string;
  paramFormats?: number[];
  params?: (Buffer | string | null)[];
  resultFormats?: number[];
}

function valueBuffers(values: (Buffer | string | null)[]): { bufs: (Buffer | null)[]; size: number } {
  let size = 0;
  const bufs = new Array<Buffer | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const buf = v === null || v === undefined ? null : typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    bufs[i] = buf;
    size += 4 + (buf ? buf.length : 0);
  }
  return { bufs, size };
}

/** Bind ('B'); string params are sent as UTF-8 text. */
export function encodeBind(options: BindOptions = {}): Buffer {
  const portal = options.portal ?? '';
  const statement = options.statement ?? '';
  const paramFormats = options.paramFormats ?? [];
  const resultFormats = options.resultFormats ?? [];
  const { bufs, size } = valueBuffers(options.params ?? []);
  checkCount(paramFormats.length, 'Bind parameter formats');
  checkCount(bufs.length, 'Bind parameters');
  checkCount(resultFormats.length, 'Bind result formats');
  const len = cstringSize(portal, 'portal name') + cstringSize(statement, 'statement name') + 2 + 2 * paramFormats.length + 2 + size + 2 + 2 * resultFormats.length;
  const b = typedFrame(FrontendType.Bind, len);
  let off = putCString(b, 5, portal);
  off = putCString(b, off, statement);
  off = b.writeUInt16BE(paramFormats.length, off);
  for (const f of paramFormats) off = b.writeInt16BE(f, off);
  off = b.writeUInt16BE(bufs.length, off);
  for (const v of bufs) {
    if (v === null) {
      off = b.writeInt32BE(-1, off);
    } else {
      off = b.writeInt32BE(v.length, off);
      off += v.copy(b, off);
    }
  }
  off = b.writeUInt16BE(resultFormats.length, off);
  for (const f of resultFormats) off = b.writeInt16BE(f, off);
  return b;
}

/** Execute ('E'); maxRows 0 = all rows. */
export function encodeExecute(portal = '', maxRows = 0): Buffer {
  const b = typedFrame(FrontendType.Execute, cstringSize(portal, 'portal name') + 4);
  const off = putCString(b, 5, portal);
  b.writeInt32BE(maxRows, off);
  return b;
}

function kindAndName(type: number, kind: 'S' | 'P', name: string): Buffer {
  if (kind !== 'S' && kind !== 'P') throw new PgWireError('malformed', `target must be 'S' or 'P'`);
  const b = typedFrame(type, 1 + cstringSize(name, 'name'));
  b[5] = kind.charCodeAt(0);
  putCString(b, 6, name);
  return b;
}

/** Describe ('D') a statement ('S') or portal ('P'). */
export function encodeDescribe(kind: 'S' | 'P', name = ''): Buffer {
  return kindAndName(FrontendType.Describe, kind, name);
}

/** Close ('C') a statement ('S') or portal ('P'). */
export function encodeClose(kind: 'S' | 'P', name = ''): Buffer {
  return kindAndName(FrontendType.Close, kind, name);
}

/** Sync ('S'): ends an extended-protocol batch. */
export function encodeSync(): Buffer {
  return emptyFrame(FrontendType.Sync);
}

/** Flush ('H'). */
export function encodeFlush(): Buffer {
  return emptyFrame(FrontendType.Flush);
}

/** Terminate ('X'). */
export function encodeTerminate(): Buffer {
  return emptyFrame(FrontendType.Terminate);
}

/** CopyData ('d') in either direction. */
export function encodeCopyData(data: Buffer): Buffer {
  const b = typedFrame(FrontendType.CopyData, data.length);
  data.copy(b, 5);
  return b;
}

/** CopyDone ('c') in either direction. */
export function encodeCopyDone(): Buffer {
  return emptyFrame(FrontendType.CopyDone);
}

/** CopyFail ('f'). */
export function encodeCopyFail(message: string): Buffer {
  const b = typedFrame(FrontendType.CopyFail, cstringSize(message, 'CopyFail message'));
  putCString(b, 5, message);
  return b;
}
