// Strict decoders for client messages: the gateway inspects every one of them before it is
// forwarded, so any structural doubt (string running off the end, a count that does not match
// the bytes, trailing bytes) is refused with PgWireError('malformed') rather than guessed at.
import { BodyReader } from './body-reader.js';
import { PgWireError } from './errors.js';
import { FrontendType } from './message-types.js';

/** Decoded Query. */
export interface QueryMessage {
  sql: string;
}
/** Decoded Parse; paramTypes are OIDs (0 = unspecified). */
export interface ParseMessage {
  name: string;
  sql: string;
  paramTypes: number[];
}
/** Decoded Bind; params are views into the frame, null = SQL NULL. */
export interface BindMessage {
  portal: string;
  statement: string;
  paramFormats: number[];
  params: (Buffer | null)[];
  resultFormats: number[];
}
/** Decoded Describe or Close: a statement (S) or portal (P) by name. */
export interface DescribeMessage {
  kind: 'S' | 'P';
  name: string;
}
/** Decoded Close (same layout as Describe). */
export type CloseMessage = DescribeMessage;
/** Decoded Execute. */
export interface ExecuteMessage {
  portal: string;
  maxRows: number;
}
/** Decoded SASLInitialResponse. */
export interface SASLInitialResponseMessage {
  mechanism: string;
  /** null when the client sent length -1 (no initial response). */
  data: Buffer | null;
}
/** Decoded FunctionCall (fast-path function call). */
export interface FunctionCallMessage {
  functionOid: number;
  argFormats: number[];
  args: (Buffer | null)[];
  resultFormat: number;
}

/** Query ('Q'): one simple-protocol query string (may hold several statements). */
export function decodeQuery(body: Buffer): QueryMessage {
  const r = new BodyReader(body, 'Query');
  const sql = r.cstring();
  r.end();
  return { sql };
}

/** Parse ('P'): a named or unnamed prepared statement. */
export function decodeParse(body: Buffer): ParseMessage {
  const r = new BodyReader(body, 'Parse');
  const name = r.cstring();
  const sql = r.cstring();
  const n = r.uint16();
  if (r.remaining !== n * 4) r.fail('parameter type count does not match the body');
  const paramTypes = new Array<number>(n);
  for (let i = 0; i < n; i++) paramTypes[i] = r.uint32();
  r.end();
  return { name, sql, paramTypes };
}

/** Format codes are 0 (text) or 1 (binary); anything else is refused here, as by the server. */
function formats(r: BodyReader, what: string): number[] {
  const n = r.uint16();
  if (r.remaining < n * 2) r.fail(`${what} count exceeds the body`);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const f = r.int16();
    if (f !== 0 && f !== 1) r.fail(`${what} ${f} is neither 0 nor 1`);
    out[i] = f;
  }
  return out;
}

function values(r: BodyReader, what: string): (Buffer | null)[] {
  const n = r.uint16();
  if (r.remaining < n * 4) r.fail(`${what} count exceeds the body`);
  const out = new Array<Buffer | null>(n);
  for (let i = 0; i < n; i++) out[i] = r.value();
  return out;
}

/** Zero, one (applies to all) or one format per value, as the server requires. */
function checkFormatCount(r: BodyReader, formatCount: number, valueCount: number): void {
  if (formatCount > 1 && formatCount !== valueCount) r.fail(`${formatCount} formats for ${valueCount} values`);
}

/** Bind ('B'): parameter values are views into the body (no copy). */
export function decodeBind(body: Buffer): BindMessage {
  const r = new BodyReader(body, 'Bind');
  const portal = r.cstring();
  const statement = r.cstring();
  const paramFormats = formats(r, 'parameter format');
  const params = values(r, 'parameter');
  checkFormatCount(r, paramFormats.length, params.length);
  const resultFormats = formats(r, 'result format');
  r.end();
  return { portal, statement, paramFormats, params, resultFormats };
}

function kindAndName(body: Buffer, what: string): DescribeMessage {
  const r = new BodyReader(body, what);
  const k = r.byte();
  if (k !== 0x53 && k !== 0x50) r.fail(`target ${k} is neither 'S' nor 'P'`);
  const name = r.cstring();
  r.end();
  return { kind: k === 0x53 ? 'S' : 'P', name };
}

/** Describe ('D'): a statement ('S') or a portal ('P'). */
export function decodeDescribe(body: Buffer): DescribeMessage {
  return kindAndName(body, 'Describe');
}

/** Close ('C'): a statement ('S') or a portal ('P'). */
export function decodeClose(body: Buffer): CloseMessage {
  return kindAndName(body, 'Close');
}

/** Execute ('E'): maxRows 0 (or negative, which the server treats alike) means all rows. */
export function decodeExecute(body: Buffer): ExecuteMessage {
  const r = new BodyReader(body, 'Execute');
  const portal = r.cstring();
  const maxRows = r.int32();
  r.end();
  return { portal, maxRows };
}

/** PasswordMessage ('p' after AuthenticationCleartextPassword or MD5). Never log the result. */
export function decodePasswordMessage(body: Buffer): string {
  const r = new BodyReader(body, 'PasswordMessage');
  const pw = r.cstring();
  r.end();
  return pw;
}

/** SASLInitialResponse ('p' after AuthenticationSASL). */
export function decodeSASLInitialResponse(body: Buffer): SASLInitialResponseMessage {
  const r = new BodyReader(body, 'SASLInitialResponse');
  const mechanism = r.cstring();
  const data = r.value();
  r.end();
  return { mechanism, data };
}

/** SASLResponse ('p' after AuthenticationSASLContinue): the body is the SASL data. */
export function decodeSASLResponse(body: Buffer): Buffer {
  return body;
}

/** CopyData ('d'): the body is the data (view). */
export function decodeCopyData(body: Buffer): Buffer {
  return body;
}

/** CopyFail ('f'): the client's reason. */
export function decodeCopyFail(body: Buffer): string {
  const r = new BodyReader(body, 'CopyFail');
  const message = r.cstring();
  r.end();
  return message;
}

/** FunctionCall ('F'): the legacy fast-path call; decoded so a gateway can recognise and refuse it. */
export function decodeFunctionCall(body: Buffer): FunctionCallMessage {
  const r = new BodyReader(body, 'FunctionCall');
  const functionOid = r.uint32();
  const argFormats = formats(r, 'argument format');
  const args = values(r, 'argument');
  checkFormatCount(r, argFormats.length, args.length);
  const resultFormat = r.int16();
  if (resultFormat !== 0 && resultFormat !== 1) r.fail(`result format ${resultFormat} is neither 0 nor 1`);
  r.end();
  return { functionOid, argFormats, args, resultFormat };
}

/** Sync, Flush, Terminate and CopyDone carry no body; anything else there is refused. */
export function decodeEmpty(body: Buffer, what: string): void {
  if (body.length !== 0) throw new PgWireError('malformed', `${what}: unexpected body of ${body.length} bytes`);
}

/**
 * Every client message after startup, decoded by type. 'p' is decoded as raw bytes because its
 * meaning depends on the authentication exchange; use the specific decoders for it.
 */
export type FrontendMessage =
  | { type: 'Query'; msg: QueryMessage }
  | { type: 'Parse'; msg: ParseMessage }
  | { type: 'Bind'; msg: BindMessage }
  | { type: 'Describe'; msg: DescribeMessage }
  | { type: 'Close'; msg: CloseMessage }
  | { type: 'Execute'; msg: ExecuteMessage }
  | { type: 'Password'; data: Buffer }
  | { type: 'CopyData'; data: Buffer }
  | { type: 'CopyDone' }
  | { type: 'CopyFail'; message: string }
  | { type: 'FunctionCall'; msg: FunctionCallMessage }
  | { type: 'Sync' }
  | { type: 'Flush' }
  | { type: 'Terminate' };

/** Decodes any client message by its type byte; unknown bytes are PgWireError('unknown_type'). */
export function decodeFrontendMessage(type: number, body: Buffer): FrontendMessage {
  switch (type) {
    case FrontendType.Query:
      return { type: 'Query', msg: decodeQuery(body) };
    case FrontendType.Parse:
      return { type: 'Parse', msg: decodeParse(body) };
    case FrontendType.Bind:
      return { type: 'Bind', msg: decodeBind(body) };
    case FrontendType.Describe:
      return { type: 'Describe', msg: decodeDescribe(body) };
    case FrontendType.Close:
      return { type: 'Close', msg: decodeClose(body) };
    case FrontendType.Execute:
      return { type: 'Execute', msg: decodeExecute(body) };
    case FrontendType.Password:
      return { type: 'Password', data: body };
    case FrontendType.CopyData:
      return { type: 'CopyData', data: body };
    case FrontendType.CopyDone:
      decodeEmpty(body, 'CopyDone');
      return { type: 'CopyDone' };
    case FrontendType.CopyFail:
      return { type: 'CopyFail', message: decodeCopyFail(body) };
    case FrontendType.FunctionCall:
      return { type: 'FunctionCall', msg: decodeFunctionCall(body) };
    case FrontendType.Sync:
      decodeEmpty(body, 'Sync');
      return { type: 'Sync' };
    case FrontendType.Flush:
      decodeEmpty(body, 'Flush');
      return { type: 'Flush' };
    case FrontendType.Terminate:
      decodeEmpty(body, 'Terminate');
      return { type: 'Terminate' };
    default:
      throw new PgWireError('unknown_type', `unknown frontend message type 0x${type.toString(16)}`);
  }
}
