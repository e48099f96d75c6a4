import { describe, expect, it } from 'vitest';
import {
  decodeAuthentication,
  decodeBackendKeyData,
  decodeCommandComplete,
  decodeCopyResponse,
  decodeDataRow,
  decodeEmptyBackend,
  decodeErrorResponse,
  decodeNegotiateProtocolVersion,
  decodeNoticeResponse,
  decodeNotificationResponse,
  decodeParameterDescription,
  decodeParameterStatus,
  decodeReadyForQuery,
  decodeRowDescription,
  summarizeNotice,
} from './backend-decoders.js';
import {
  encodeAuthenticationCleartextPassword,
  encodeAuthenticationMD5Password,
  encodeAuthenticationOk,
  encodeAuthenticationSASL,
  encodeAuthenticationSASLContinue,
  encodeAuthenticationSASLFinal,
  encodeBackendKeyData,
  encodeCommandComplete,
  encodeCopyResponse,
  encodeDataRow,
  encodeEmptyQueryResponse,
  encodeErrorResponse,
  encodeNoticeResponse,
  encodeParameterDescription,
  encodeParameterStatus,
  encodeReadyForQuery,
  encodeRowDescription,
} from './backend-encoders.js';
import { decodeBackendMessage } from './backend-message.js';
import { PgWireError } from './errors.js';
import { BackendType } from './message-types.js';
import { SqlState } from './sql-state.js';

const body = (frame: Buffer): Buffer => frame.subarray(5);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof PgWireError) return e.code;
    throw e;
  }
  return undefined;
}

describe('backend round trips', () => {
  it('RowDescription', () => {
    const fields = [
      { name: 'id', tableOid: 16384, columnAttr: 1, typeOid: 23, typeSize: 4, typeModifier: -1, format: 0 },
      { name: 'émail', tableOid: 4294967295, columnAttr: 2, typeOid: 1043, typeSize: -1, typeModifier: 259, format: 1 },
    ];
    const f = encodeRowDescription(fields);
    expect(f[0]).toBe(BackendType.RowDescription);
    expect(decodeRowDescription(body(f))).toEqual(fields);
  });

  it('DataRow with strings, buffers, empty and NULL', () => {
    const f = encodeDataRow(['héllo', Buffer.from([0, 1, 2]), '', null]);
    expect(decodeDataRow(body(f))).toEqual([Buffer.from('héllo'), Buffer.from([0, 1, 2]), Buffer.alloc(0), null]);
    expect(decodeDataRow(body(encodeDataRow([])))).toEqual([]);
  });

  it('CommandComplete, ParameterStatus, BackendKeyData, ReadyForQuery, EmptyQueryResponse', () => {
    expect(decodeCommandComplete(body(encodeCommandComplete('INSERT 0 3')))).toBe('INSERT 0 3');
    expect(decodeParameterStatus(body(encodeParameterStatus('server_version', '15.8')))).toEqual({ name: 'server_version', value: '15.8' });
    expect(decodeBackendKeyData(body(encodeBackendKeyData(42, Buffer.from([1, 2, 3, 4]))))).toEqual({ processId: 42, secretKey: Buffer.from([1, 2, 3, 4]) });
    expect(decodeBackendKeyData(body(encodeBackendKeyData(42, Buffer.alloc(32, 9)))).secretKey.length).toBe(32);
    for (const s of ['I', 'T', 'E'] as const) expect(decodeReadyForQuery(body(encodeReadyForQuery(s)))).toBe(s);
    const e = encodeEmptyQueryResponse();
    expect(e[0]).toBe(BackendType.EmptyQueryResponse);
    decodeEmptyBackend(body(e), 'EmptyQueryResponse');
  });

  it('ErrorResponse carries S, V, C, M, D, H', () => {
    const f = encodeErrorResponse({ severity: 'FATAL', code: SqlState.invalid_password, message: 'grant expired', detail: 'd', hint: 'h' });
    const fields = decodeErrorResponse(body(f));
    expect({ ...fields }).toEqual({ S: 'FATAL', V: 'FATAL', C: '28P01', M: 'grant expired', D: 'd', H: 'h' });
    expect(summarizeNotice(fields)).toEqual({ severity: 'FATAL', code: '28P01', message: 'grant expired', detail: 'd', hint: 'h' });
    const n = encodeNoticeResponse({ severity: 'WARNING', code: '01000', message: 'masked' });
    expect(n[0]).toBe(BackendType.NoticeResponse);
    expect(decodeNoticeResponse(body(n)).M).toBe('masked');
    expect(code(() => encodeErrorResponse({ severity: 'ERROR', code: 'bad', message: 'x' }))).toBe('malformed');
  });

  it('Authentication requests', () => {
    expect(decodeAuthentication(body(encodeAuthenticationOk()))).toEqual({ kind: 'ok' });
    expect(decodeAuthentication(body(encodeAuthenticationCleartextPassword()))).toEqual({ kind: 'cleartext' });
    expect(decodeAuthentication(body(encodeAuthenticationMD5Password(Buffer.from([1, 2, 3, 4]))))).toEqual({ kind: 'md5', salt: Buffer.from([1, 2, 3, 4]) });
    expect(decodeAuthentication(body(encodeAuthenticationSASL(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'])))).toEqual({ kind: 'sasl', mechanisms: ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'] });
    expect(decodeAuthentication(body(encodeAuthenticationSASLContinue(Buffer.from('r=x'))))).toEqual({ kind: 'sasl-continue', data: Buffer.from('r=x') });
    expect(decodeAuthentication(body(encodeAuthenticationSASLFinal(Buffer.from('v=x'))))).toEqual({ kind: 'sasl-final', data: Buffer.from('v=x') });
    expect(decodeAuthentication(Buffer.from([0, 0, 0, 7]))).toEqual({ kind: 'other', code: 7 });
  });

  it('ParameterDescription and Copy responses', () => {
    expect(decodeParameterDescription(body(encodeParameterDescription([23, 25])))).toEqual([23, 25]);
    for (const t of [BackendType.CopyInResponse, BackendType.CopyOutResponse, BackendType.CopyBothResponse]) {
      const f = encodeCopyResponse(t, 1, [1, 1]);
      expect(f[0]).toBe(t);
      expect(decodeCopyResponse(body(f))).toEqual({ format: 1, columnFormats: [1, 1] });
    }
  });

  it('NegotiateProtocolVersion and NotificationResponse', () => {
    const npv = Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), Buffer.from('_pq_.x\0')]);
    expect(decodeNegotiateProtocolVersion(npv)).toEqual({ newestMinor: 0, unrecognizedOptions: ['_pq_.x'] });
    const nr = Buffer.concat([Buffer.from([0, 0, 0, 9]), Buffer.from('ch\0pl\0')]);
    expect(decodeNotificationResponse(nr)).toEqual({ processId: 9, channel: 'ch', payload: 'pl' });
  });
});

describe('decodeBackendMessage', () => {
  it('dispatches by type byte and refuses unknown types', () => {
    const dec = (f: Buffer) => decodeBackendMessage(f[0]!, f.subarray(5));
    expect(dec(encodeReadyForQuery('T'))).toEqual({ type: 'ReadyForQuery', status: 'T' });
    expect(dec(encodeParameterStatus('a', 'b'))).toEqual({ type: 'ParameterStatus', name: 'a', value: 'b' });
    expect(dec(encodeDataRow(['x']))).toEqual({ type: 'DataRow', values: [Buffer.from('x')] });
    expect(decodeBackendMessage(BackendType.FunctionCallResponse, Buffer.from([0xff, 0xff, 0xff, 0xff]))).toEqual({ type: 'FunctionCallResponse', value: null });
    expect(decodeBackendMessage(BackendType.FunctionCallResponse, Buffer.from([0, 0, 0, 1, 7]))).toEqual({ type: 'FunctionCallResponse', value: Buffer.from([7]) });
    expect(code(() => decodeBackendMessage(BackendType.FunctionCallResponse, Buffer.from([0, 0, 0, 2, 7])))).toBe('malformed');
    expect(code(() => decodeBackendMessage(BackendType.ParseComplete, Buffer.from([1])))).toBe('malformed');
    expect(code(() => decodeBackendMessage(0x7a, Buffer.alloc(0)))).toBe('unknown_type');
  });
});

describe('backend decoders are strict', () => {
  it.each([
    ['RowDescription truncated', () => decodeRowDescription(body(encodeRowDescription([{ name: 'a', tableOid: 0, columnAttr: 0, typeOid: 23, typeSize: 4, typeModifier: -1, format: 0 }])).subarray(0, 20))],
    ['RowDescription count too large', () => decodeRowDescription(Buffer.from([0xff, 0xff, 0]))],
    ['DataRow value overruns', () => decodeDataRow(Buffer.from([0, 1, 0, 0, 0, 9, 1]))],
    ['DataRow length -2', () => decodeDataRow(Buffer.from([0, 1, 0xff, 0xff, 0xff, 0xfe]))],
    ['DataRow trailing', () => decodeDataRow(Buffer.from([0, 0, 1]))],
    ['CommandComplete unterminated', () => decodeCommandComplete(Buffer.from('SELECT'))],
    ['ErrorResponse unterminated list', () => decodeErrorResponse(Buffer.from('Mx\0'))],
    ['ErrorResponse trailing', () => decodeErrorResponse(Buffer.from('Mx\0\0z'))],
    ['BackendKeyData short key', () => decodeBackendKeyData(Buffer.from([0, 0, 0, 1, 1, 2]))],
    ['ReadyForQuery bad status', () => decodeReadyForQuery(Buffer.from('X'))],
    ['ReadyForQuery trailing', () => decodeReadyForQuery(Buffer.from('II'))],
    ['Authentication ok with body', () => decodeAuthentication(Buffer.from([0, 0, 0, 0, 1]))],
    ['Authentication md5 short salt', () => decodeAuthentication(Buffer.from([0, 0, 0, 5, 1, 2]))],
    ['Authentication sasl empty list', () => decodeAuthentication(Buffer.from([0, 0, 0, 10, 0]))],
    ['Authentication sasl unterminated', () => decodeAuthentication(Buffer.concat([Buffer.from([0, 0, 0, 10]), Buffer.from('SCRAM')]))],
    ['ParameterDescription mismatch', () => decodeParameterDescription(Buffer.from([0, 2, 0, 0, 0, 1]))],
    ['CopyResponse bad format', () => decodeCopyResponse(Buffer.from([2, 0, 0]))],
    ['NoData with body', () => decodeEmptyBackend(Buffer.from([0]), 'NoData')],
  ])('%s', (_name, fn) => {
    expect(code(fn)).toBe('malformed');
  });
});

describe('encodeNoticeFields and encodeNotificationResponse', () => {
  it('round-trip through the decoders, every field kept in order', async () => {
    const { encodeNoticeFields, encodeNotificationResponse } = await import('./backend-encoders.js');
    const { decodeErrorResponse, decodeNotificationResponse } = await import('./backend-decoders.js');
    const fields = { S: 'ERROR', V: 'ERROR', C: '22P02', M: 'invalid input', P: '8', F: 'numutils.c', L: '232', R: 'pg_strtoint32' };
    const encoded = encodeNoticeFields(0x45, fields);
    expect(encoded[0]).toBe(0x45);
    expect(decodeErrorResponse(encoded.subarray(5))).toEqual(fields);
    const note = encodeNotificationResponse(42, 'chan', 'payload é');
    expect(decodeNotificationResponse(note.subarray(5))).toEqual({ processId: 42, channel: 'chan', payload: 'payload é' });
  });
});
