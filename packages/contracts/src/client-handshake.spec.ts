// The handshake line of docs/tunnel.md, byte for byte: what `jitgate connect` writes is what the
// gateway reads, and the other way round. A change here is a protocol change (JITGATE/2).
import { describe, expect, it } from 'vitest';
import {
  formatHandshakeOk,
  formatHandshakeRefusal,
  formatHandshakeRequest,
  HANDSHAKE_REFUSALS,
  isHandshakeCode,
  MAX_HANDSHAKE_ANSWER_BYTES,
  MAX_HANDSHAKE_REQUEST_BYTES,
  parseHandshakeAnswer,
  parseHandshakeRequest,
  type HandshakeCode,
} from './client-handshake.js';

const TOKEN = `jg_${'A'.repeat(43)}`;

describe('the request line', () => {
  it('is JITGATE/1 CONNECT <connection> <token> and a newline', () => {
    expect(formatHandshakeRequest({ connection: 'pg-prod', token: TOKEN })).toBe(`JITGATE/1 CONNECT pg-prod ${TOKEN}\n`);
  });

  it('round-trips through the parser the gateway uses', () => {
    const request = { connection: 'orders.db_1', token: 'eyJhbGciOi.eyJzdWIi.c2ln' };
    expect(parseHandshakeRequest(formatHandshakeRequest(request).slice(0, -1))).toEqual(request);
  });

  it('tolerates a "\\r" before the newline (hand-typed tests)', () => {
    expect(parseHandshakeRequest(`JITGATE/1 CONNECT echo ${TOKEN}\r`)).toEqual({ connection: 'echo', token: TOKEN });
  });

  it.each([
    ['JITGATE/1 CONNECT echo', 'a missing token'],
    ['JITGATE/1 CONNECT echo tok extra', 'an extra word'],
    ['JITGATE/1  CONNECT echo tok', 'a double space'],
    ['JITGATE/2 CONNECT echo tok', 'another protocol'],
    ['jitgate/1 CONNECT echo tok', 'lower case'],
    ['JITGATE/1 CONNECT échο tok', 'non-ASCII'],
    ['JITGATE/1 CONNECT echo\ttok', 'a tab'],
    ['', 'nothing'],
  ])('is refused when it has %j (%s)', (line) => {
    expect(parseHandshakeRequest(line)).toBeNull();
  });

  it('refuses to write a line the gateway would refuse', () => {
    expect(() => formatHandshakeRequest({ connection: 'echo', token: 'two words' })).toThrow(RangeError);
    expect(() => formatHandshakeRequest({ connection: '', token: TOKEN })).toThrow(RangeError);
    expect(() => formatHandshakeRequest({ connection: 'echo', token: 'a'.repeat(MAX_HANDSHAKE_REQUEST_BYTES) })).toThrow(/longer than 40960 bytes/);
    const longest = 'a'.repeat(MAX_HANDSHAKE_REQUEST_BYTES - 'JITGATE/1 CONNECT echo \n'.length);
    expect(formatHandshakeRequest({ connection: 'echo', token: longest })).toHaveLength(MAX_HANDSHAKE_REQUEST_BYTES);
  });
});

describe('the answer line', () => {
  it('is JITGATE/1 200 <session id> when the session is open', () => {
    const line = formatHandshakeOk('0b0e7b1e-0000-4000-8000-000000000001');
    expect(line).toBe('JITGATE/1 200 0b0e7b1e-0000-4000-8000-000000000001\n');
    expect(parseHandshakeAnswer(line.slice(0, -1))).toEqual({ ok: true, sessionId: '0b0e7b1e-0000-4000-8000-000000000001' });
  });

  it('is JITGATE/1 <status> <code> <message> when refused, and reads back the same', () => {
    const line = formatHandshakeRefusal({ status: 403, code: 'no_grant', message: 'no grant in force for bob on "echo"' });
    expect(line).toBe('JITGATE/1 403 no_grant no grant in force for bob on "echo"\n');
    expect(parseHandshakeAnswer(line.slice(0, -1))).toEqual({ ok: false, status: 403, code: 'no_grant', message: 'no grant in force for bob on "echo"' });
  });

  it('keeps a refusal one printable line, however long or odd the message', () => {
    const line = formatHandshakeRefusal({ status: 502, code: 'target_unreachable', message: `dial 10.0.0.1:5432:\r\n\u001b[31mECONNREFUSED\u001b[0m ${'x'.repeat(10_000)}` });
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(line).toMatch(/^JITGATE\/1 502 target_unreachable dial 10\.0\.0\.1:5432: \[31mECONNREFUSED \[0m x+\n$/);
    expect(Buffer.byteLength(line)).toBeLessThan(MAX_HANDSHAKE_ANSWER_BYTES);
    expect(formatHandshakeRefusal({ status: 500, code: 'internal', message: '\u0000' })).toBe('JITGATE/1 500 internal internal\n');
  });

  it('may carry no message, and a "\r" before the newline', () => {
    expect(parseHandshakeAnswer('JITGATE/1 400 bad_handshake')).toEqual({ ok: false, status: 400, code: 'bad_handshake', message: '' });
    expect(parseHandshakeAnswer('JITGATE/1 200 9f1c\r')).toEqual({ ok: true, sessionId: '9f1c' });
  });

  it.each(['HTTP/1.1 200 OK', 'JITGATE/1 200', 'JITGATE/2 200 x', 'JITGATE/1 999 x y', 'JITGATE/1 600 weird x', 'SSH-2.0-OpenSSH_9.6', ''])('is not an answer: %j', (line) => {
    expect(parseHandshakeAnswer(line)).toBeNull();
  });

  it('reads a refusal code it does not know (a newer gateway) as text', () => {
    expect(parseHandshakeAnswer('JITGATE/1 429 slow_down wait a bit')).toEqual({ ok: false, status: 429, code: 'slow_down', message: 'wait a bit' });
    expect(isHandshakeCode('slow_down')).toBe(false);
    expect(isHandshakeCode('toString')).toBe(false);
  });
});

it('pins every refusal code and its status', () => {
  expect(HANDSHAKE_REFUSALS).toEqual({
    bad_handshake: 400,
    unauthenticated: 401,
    no_grant: 403,
    not_found: 404,
    internal: 500,
    target_unreachable: 502,
    no_agent: 503,
    unavailable: 503,
  } satisfies Record<HandshakeCode, number>);
});
