import { describe, expect, it } from 'vitest';
import { PgWireError } from './errors.js';
import {
  decodeBind,
  decodeClose,
  decodeCopyFail,
  decodeDescribe,
  decodeExecute,
  decodeFrontendMessage,
  decodeFunctionCall,
  decodeParse,
  decodePasswordMessage,
  decodeQuery,
  decodeSASLInitialResponse,
  decodeSASLResponse,
} from './frontend-decoders.js';
import {
  encodeBind,
  encodeClose,
  encodeCopyData,
  encodeCopyDone,
  encodeCopyFail,
  encodeDescribe,
  encodeExecute,
  encodeFlush,
  encodeParse,
  encodePasswordMessage,
  encodeQuery,
  encodeSASLInitialResponse,
  encodeSASLResponse,
  encodeSync,
  encodeTerminate,
} from './frontend-encoders.js';
import { FrontendType } from './message-types.js';

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

describe('frontend round trips', () => {
  it('Query', () => {
    const f = encodeQuery('SELECT ’ü’');
    expect(f[0]).toBe(FrontendType.Query);
    expect(f.readInt32BE(1)).toBe(f.length - 1);
    expect(decodeQuery(body(f))).toEqual({ sql: 'SELECT ’ü’' });
  });

  it('Parse', () => {
    expect(decodeParse(body(encodeParse('s', 'SELECT $1, $2', [23, 4294967295])))).toEqual({ name: 's', sql: 'SELECT $1, $2', paramTypes: [23, 4294967295] });
    expect(decodeParse(body(encodeParse('', 'SELECT 1')))).toEqual({ name: '', sql: 'SELECT 1', paramTypes: [] });
  });

  it('Bind', () => {
    const f = encodeBind({ portal: 'p', statement: 's', paramFormats: [0, 1, 0], params: ['a', Buffer.from([1, 2]), null], resultFormats: [1] });
    expect(decodeBind(body(f))).toEqual({ portal: 'p', statement: 's', paramFormats: [0, 1, 0], params: [Buffer.from('a'), Buffer.from([1, 2]), null], resultFormats: [1] });
    expect(decodeBind(body(encodeBind()))).toEqual({ portal: '', statement: '', paramFormats: [], params: [], resultFormats: [] });
  });

  it('Describe, Close, Execute', () => {
    expect(decodeDescribe(body(encodeDescribe('S', 'st')))).toEqual({ kind: 'S', name: 'st' });
    expect(decodeClose(body(encodeClose('P', '')))).toEqual({ kind: 'P', name: '' });
    expect(decodeExecute(body(encodeExecute('p', 10)))).toEqual({ portal: 'p', maxRows: 10 });
  });

  it('PasswordMessage and SASL messages', () => {
    expect(decodePasswordMessage(body(encodePasswordMessage('s3cret')))).toBe('s3cret');
    expect(decodeSASLInitialResponse(body(encodeSASLInitialResponse('SCRAM-SHA-256', Buffer.from('n,,n=,r=abc'))))).toEqual({ mechanism: 'SCRAM-SHA-256', data: Buffer.from('n,,n=,r=abc') });
    expect(decodeSASLResponse(body(encodeSASLResponse(Buffer.from('c=biws'))))).toEqual(Buffer.from('c=biws'));
  });

  it('Copy, Sync, Flush, Terminate through decodeFrontendMessage', () => {
    const dec = (f: Buffer) => decodeFrontendMessage(f[0]!, body(f));
    expect(dec(encodeCopyData(Buffer.from('1\t2\n')))).toEqual({ type: 'CopyData', data: Buffer.from('1\t2\n') });
    expect(dec(encodeCopyDone())).toEqual({ type: 'CopyDone' });
    expect(decodeCopyFail(body(encodeCopyFail('stop')))).toBe('stop');
    expect(dec(encodeSync())).toEqual({ type: 'Sync' });
    expect(dec(encodeFlush())).toEqual({ type: 'Flush' });
    expect(dec(encodeTerminate())).toEqual({ type: 'Terminate' });
    expect(dec(encodeQuery('x'))).toEqual({ type: 'Query', msg: { sql: 'x' } });
    expect(code(() => decodeFrontendMessage(0x7a, Buffer.alloc(0)))).toBe('unknown_type');
  });

  it('FunctionCall is recognised', () => {
    const b = Buffer.from([0, 0, 0x04, 0xd2, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 9, 0, 0]);
    expect(decodeFunctionCall(b)).toEqual({ functionOid: 1234, argFormats: [1], args: [Buffer.from([9])], resultFormat: 0 });
    expect(decodeFrontendMessage(FrontendType.FunctionCall, b).type).toBe('FunctionCall');
  });
});

describe('frontend decoders are strict', () => {
  it.each([
    ['Query unterminated', () => decodeQuery(Buffer.from('SELECT 1'))],
    ['Query trailing', () => decodeQuery(Buffer.from('SELECT 1\0x'))],
    ['Parse count too large', () => decodeParse(Buffer.from([0x00, 0x41, 0x00, 0, 2, 0, 0, 0, 23]))],
    ['Parse count too small', () => decodeParse(Buffer.from([0x00, 0x41, 0x00, 0, 0, 0, 0, 0, 23]))],
    ['Bind truncated value', () => decodeBind(Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 5, 1, 2, 0, 0]))],
    ['Bind length < -1', () => decodeBind(Buffer.from([0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe, 0, 0]))],
    ['Bind bad format code', () => decodeBind(Buffer.from([0, 0, 0, 1, 0, 2, 0, 0, 0, 0]))],
    ['Bind 2 formats for 1 param', () => decodeBind(Buffer.from([0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0, 0]))],
    ['Bind trailing', () => decodeBind(Buffer.concat([body(encodeBind()), Buffer.from([0])]))],
    ['Describe bad kind', () => decodeDescribe(Buffer.from('X\0'))],
    ['Describe trailing', () => decodeDescribe(Buffer.from('Sa\0b'))],
    ['Close empty', () => decodeClose(Buffer.alloc(0))],
    ['Execute short', () => decodeExecute(Buffer.from([0, 0, 0, 1]))],
    ['Password unterminated', () => decodePasswordMessage(Buffer.from('pw'))],
    ['SASL initial missing length', () => decodeSASLInitialResponse(Buffer.from('SCRAM-SHA-256\0'))],
    ['Sync with body', () => decodeFrontendMessage(FrontendType.Sync, Buffer.from([1]))],
    ['FunctionCall bad result format', () => decodeFunctionCall(Buffer.from([0, 0, 0, 1, 0, 0, 0, 0, 0, 7]))],
  ])('%s', (_name, fn) => {
    expect(code(fn)).toBe('malformed');
  });

  it('encoders refuse NUL in strings', () => {
    expect(code(() => encodeQuery('SELECT 1\0; DROP TABLE x'))).toBe('malformed');
    expect(code(() => encodeParse('a\0', 'x'))).toBe('malformed');
  });
});
