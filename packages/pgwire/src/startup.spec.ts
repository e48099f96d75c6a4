import { describe, expect, it } from 'vitest';
import { PgWireError } from './errors.js';
import { encodeCancelRequest, encodeGSSENCRequest, encodeSSLRequest, encodeStartupMessage, parseStartupPacket } from './startup.js';

const body = (packet: Buffer): Buffer => packet.subarray(4);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof PgWireError) return e.code;
    throw e;
  }
  return undefined;
}

describe('startup packets', () => {
  it('round-trips a StartupMessage', () => {
    const p = encodeStartupMessage({ user: 'alice', database: 'app', application_name: 'psql', options: '-c x=1' });
    expect(p.readInt32BE(0)).toBe(p.length);
    const parsed = parseStartupPacket(body(p));
    expect(parsed).toEqual({ kind: 'startup', protocolVersion: 196608, params: { user: 'alice', database: 'app', application_name: 'psql', options: '-c x=1' } });
  });

  it('accepts protocol 3.2 (minor negotiated by the server)', () => {
    const p = encodeStartupMessage({ user: 'u' });
    p.writeInt32BE((3 << 16) | 2, 4);
    expect(parseStartupPacket(body(p))).toMatchObject({ kind: 'startup', protocolVersion: 196610 });
  });

  it('recognises SSLRequest, GSSENCRequest and CancelRequest with 4- to 256-byte keys', () => {
    expect(parseStartupPacket(body(encodeSSLRequest()))).toEqual({ kind: 'ssl' });
    expect(parseStartupPacket(body(encodeGSSENCRequest()))).toEqual({ kind: 'gssenc' });
    for (const n of [4, 32, 256]) {
      const key = Buffer.alloc(n, 7);
      expect(parseStartupPacket(body(encodeCancelRequest(1234, key)))).toEqual({ kind: 'cancel', processId: 1234, secretKey: key });
    }
  });

  it('refuses bad cancel keys, protocol 2, unknown codes, duplicates and garbage', () => {
    const cancel = encodeCancelRequest(1, Buffer.alloc(4));
    expect(code(() => parseStartupPacket(body(cancel).subarray(0, 11)))).toBe('malformed');
    expect(code(() => encodeCancelRequest(1, Buffer.alloc(257)))).toBe('malformed');
    const v2 = encodeStartupMessage({ user: 'u' });
    v2.writeInt32BE(2 << 16, 4);
    expect(code(() => parseStartupPacket(body(v2)))).toBe('protocol_violation');
    const unknown = encodeSSLRequest();
    unknown.writeInt32BE(80877199, 4);
    expect(code(() => parseStartupPacket(body(unknown)))).toBe('protocol_violation');
    const dup = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from('user\0a\0user\0b\0\0')]);
    expect(code(() => parseStartupPacket(dup))).toBe('malformed');
    const unterminated = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from('user\0a')]);
    expect(code(() => parseStartupPacket(unterminated))).toBe('malformed');
    const trailing = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from('user\0a\0\0x')]);
    expect(code(() => parseStartupPacket(trailing))).toBe('malformed');
    expect(code(() => parseStartupPacket(Buffer.concat([body(encodeSSLRequest()), Buffer.from([0])])))).toBe('malformed');
    expect(code(() => parseStartupPacket(Buffer.alloc(2)))).toBe('malformed');
  });

  it('refuses NUL inside parameters when encoding', () => {
    expect(code(() => encodeStartupMessage({ user: 'a\0b' }))).toBe('malformed');
  });

  it('does not let a __proto__ parameter touch the prototype', () => {
    const b = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from('__proto__\0x\0\0')]);
    const parsed = parseStartupPacket(b);
    // biome-ignore lint/suspicious/noProto: the parameter this test sends is named __proto__.
    expect(parsed.kind === 'startup' && parsed.params['__proto__']).toBe('x');
  });
});
