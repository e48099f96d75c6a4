// Strict decoders for server messages. DataRow values are views into the frame, so masking can
// read them without copying and only re-encode the rows it changes.
import { BodyReader } from './body-reader.js';
import { PgWireError } from './errors.js';
import { MAX_CANCEL_KEY, MIN_CANCEL_KEY } from './startup.js';

/** One column of a RowDescription. */
export interface FieldDescription {
  name: string;
  tableOid: number;
  columnAttr: number;
  typeOid: number;
  typeSize: number;
  typeModifier: number;
  format: number;
}

/** An Authentication request, as ClientAuthenticator consumes it. */
export type DecodedAuthentication =
  | { kind: 'ok' }
  | { kind: 'cleartext' }
  | { kind: 'md5'; salt: Buffer }
  | { kind: 'sasl'; mechanisms: string[] }
  | { kind: 'sasl-continue'; data: Buffer }
  | { kind: 'sasl-final'; data: Buffer }
  | { kind: 'other'; code: number };

/** The cancel key of a session. */
export interface BackendKeyData {
  processId: number;
  secretKey: Buffer;
}

/** CopyIn/CopyOut/CopyBothResponse. */
export interface CopyResponse {
  /** 0 = text, 1 = binary (overall format). */
  format: number;
  columnFormats: number[];
}

/** The server's answer to a newer minor version or unknown _pq_ options. */
export interface NegotiateProtocolVersion {
  newestMinor: number;
  unrecognizedOptions: string[];
}

/** A NOTIFY delivered to a LISTENing session. */
export interface Notification {
  processId: number;
  channel: string;
  payload: string;
}

/** ErrorResponse / NoticeResponse fields keyed by their one-letter code ('C' = SQLSTATE, ...). */
export type NoticeFields = Record<string, string>;

/** RowDescription ('T'). */
export function decodeRowDescription(body: Buffer): FieldDescription[] {
  const r = new BodyReader(body, 'RowDescription');
  const n = r.uint16();
  // each field is at least 1 + 18 bytes
  if (r.remaining < n * 19) r.fail('field count exceeds the body');
  const fields = new Array<FieldDescription>(n);
  for (let i = 0; i < n; i++) {
    fields[i] = {
      name: r.cstring(),
      tableOid: r.uint32(),
      columnAttr: r.int16(),
      typeOid: r.uint32(),
      typeSize: r.int16(),
      typeModifier: r.int32(),
      format: r.int16(),
    };
  }
  r.end();
  return fields;
}

/** DataRow ('D'): values are views into the body; null is SQL NULL. */
export function decodeDataRow(body: Buffer): (Buffer | null)[] {
  const r = new BodyReader(body, 'DataRow');
  const n = r.uint16();
  if (r.remaining < n * 4) r.fail('column count exceeds the body');
  const out = new Array<Buffer | null>(n);
  for (let i = 0; i < n; i++) out[i] = r.value();
  r.end();
  return out;
}

function oneString(body: Buffer, what: string): string {
  const r = new BodyReader(body, what);
  const s = r.cstring();
  r.end();
  return s;
}

/** CommandComplete ('C'): the command tag, e.g. "SELECT 1" or "INSERT 0 3". */
export function decodeCommandComplete(body: Buffer): string {
  return oneString(body, 'CommandComplete');
}

function noticeFields(body: Buffer, what: string): NoticeFields {
  const r = new BodyReader(body, what);
  const fields: NoticeFields = Object.create(null) as NoticeFields;
  for (;;) {
    const code = r.byte();
    if (code === 0) break;
    fields[String.fromCharCode(code)] = r.cstring();
  }
  r.end();
  return fields;
}

/** ErrorResponse ('E'). */
export function decodeErrorResponse(body: Buffer): NoticeFields {
  return noticeFields(body, 'ErrorResponse');
}

/** NoticeResponse ('N'). */
export function decodeNoticeResponse(body: Buffer): NoticeFields {
  return noticeFields(body, 'NoticeResponse');
}

/** The fields most callers want, named. 'V' (never localized) is preferred over 'S'. */
export interface NoticeSummary {
  severity: string;
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

/** Names the usual fields of an ErrorResponse/NoticeResponse. */
export function summarizeNotice(fields: NoticeFields): NoticeSummary {
  const out: NoticeSummary = { severity: fields.V ?? fields.S ?? '', code: fields.C ?? '', message: fields.M ?? '' };
  if (fields.D !== undefined) out.detail = fields.D;
  if (fields.H !== undefined) out.hint = fields.H;
  return out;
}

/** ParameterStatus ('S'): a run-time parameter the server reports (server_version, TimeZone, ...). */
export function decodeParameterStatus(body: Buffer): { name: string; value: string } {
  const r = new BodyReader(body, 'ParameterStatus');
  const name = r.cstring();
  const value = r.cstring();
  r.end();
  return { name, value };
}

/** BackendKeyData ('K'): the key is 4 bytes before PG 18, up to 256 bytes with protocol 3.2. */
export function decodeBackendKeyData(body: Buffer): BackendKeyData {
  const r = new BodyReader(body, 'BackendKeyData');
  const processId = r.int32();
  const secretKey = r.rest();
  if (secretKey.length < MIN_CANCEL_KEY || secretKey.length > MAX_CANCEL_KEY) {
    r.fail(`cancel key of ${secretKey.length} bytes outside [${MIN_CANCEL_KEY}, ${MAX_CANCEL_KEY}]`);
  }
  return { processId, secretKey };
}

/** Transaction status in ReadyForQuery: idle, in a transaction, in a failed transaction. */
export type TransactionStatus = 'I' | 'T' | 'E';

/** ReadyForQuery ('Z'). */
export function decodeReadyForQuery(body: Buffer): TransactionStatus {
  const r = new BodyReader(body, 'ReadyForQuery');
  const s = String.fromCharCode(r.byte());
  r.end();
  if (s === 'I' || s === 'T' || s === 'E') return s;
  return r.fail(`unknown transaction status ${JSON.stringify(s)}`);
}

/** Authentication ('R'). GSS, SSPI and Kerberos requests come back as 'other'. */
export function decodeAuthentication(body: Buffer): DecodedAuthentication {
  const r = new BodyReader(body, 'Authentication');
  const code = r.int32();
  switch (code) {
    case 0:
      r.end();
      return { kind: 'ok' };
    case 3:
      r.end();
      return { kind: 'cleartext' };
    case 5: {
      const salt = r.bytes(4);
      r.end();
      return { kind: 'md5', salt };
    }
    case 10: {
      const mechanisms: string[] = [];
      for (;;) {
        const m = r.cstring();
        if (m === '') break;
        mechanisms.push(m);
      }
      r.end();
      if (mechanisms.length === 0) r.fail('no SASL mechanism offered');
      return { kind: 'sasl', mechanisms };
    }
    case 11:
      return { kind: 'sasl-continue', data: r.rest() };
    case 12:
      return { kind: 'sasl-final', data: r.rest() };
    default:
      return { kind: 'other', code };
  }
}

/** ParameterDescription ('t'): parameter type OIDs of a described statement. */
export function decodeParameterDescription(body: Buffer): number[] {
  const r = new BodyReader(body, 'ParameterDescription');
  const n = r.uint16();
  if (r.remaining !== n * 4) r.fail('parameter count does not match the body');
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = r.uint32();
  r.end();
  return out;
}

/** CopyInResponse ('G'), CopyOutResponse ('H') and CopyBothResponse ('W') share one layout. */
export function decodeCopyResponse(body: Buffer): CopyResponse {
  const r = new BodyReader(body, 'CopyResponse');
  const format = r.byte();
  if (format !== 0 && format !== 1) r.fail(`copy format ${format} is neither 0 nor 1`);
  const n = r.uint16();
  if (r.remaining !== n * 2) r.fail('column count does not match the body');
  const columnFormats = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const f = r.int16();
    if (f !== 0 && f !== 1) r.fail(`column format ${f} is neither 0 nor 1`);
    columnFormats[i] = f;
  }
  return { format, columnFormats };
}

/** NegotiateProtocolVersion ('v'): the server's newest minor version and options it ignored. */
export function decodeNegotiateProtocolVersion(body: Buffer): NegotiateProtocolVersion {
  const r = new BodyReader(body, 'NegotiateProtocolVersion');
  const newestMinor = r.int32();
  const n = r.int32();
  if (n < 0 || n > r.remaining) r.fail('option count exceeds the body');
  const unrecognizedOptions: string[] = [];
  for (let i = 0; i < n; i++) unrecognizedOptions.push(r.cstring());
  r.end();
  return { newestMinor, unrecognizedOptions };
}

/** NotificationResponse ('A'): LISTEN/NOTIFY. */
export function decodeNotificationResponse(body: Buffer): Notification {
  const r = new BodyReader(body, 'NotificationResponse');
  const processId = r.int32();
  const channel = r.cstring();
  const payload = r.cstring();
  r.end();
  return { processId, channel, payload };
}

/** ParseComplete, BindComplete, CloseComplete, NoData, PortalSuspended, EmptyQueryResponse, CopyDone. */
export function decodeEmptyBackend(body: Buffer, what: string): void {
  if (body.length !== 0) throw new PgWireError('malformed', `${what}: unexpected body of ${body.length} bytes`);
}
