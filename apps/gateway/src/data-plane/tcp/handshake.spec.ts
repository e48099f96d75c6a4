import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatHandshakeOk as formatOk, formatHandshakeRefusal as formatRefusal } from '@jitgate/contracts';
import { AdmissionRefusal } from '../admission/admission-refusal.js';
import { parseHandshake, readHandshakeLine } from './handshake.js';

describe('parseHandshake', () => {
  it.each([
    ['JITGATE/1 CONNECT orders-db jg_abc', { connection: 'orders-db', token: 'jg_abc' }],
    ['JITGATE/1 CONNECT orders-db jg_abc\r', { connection: 'orders-db', token: 'jg_abc' }],
    ['JITGATE/1 CONNECT a eyJ.x.y', { connection: 'a', token: 'eyJ.x.y' }],
  ])('accepts %j', (line, expected) => {
    expect(parseHandshake(line)).toEqual(expected);
  });

  it.each([
    '',
    'GET / HTTP/1.1',
    'JITGATE/1 CONNECT orders-db',
    'JITGATE/1 CONNECT orders-db jg_abc extra',
    'JITGATE/1  CONNECT orders-db jg_abc',
    'JITGATE/2 CONNECT orders-db jg_abc',
    'jitgate/1 connect orders-db jg_abc',
    'JITGATE/1 CONNECT orders-db jg_a\tbc',
    'JITGATE/1 CONNECT orders-db jg_abc ',
  ])('refuses %j with 400 bad_handshake', (line) => {
    expect(() => parseHandshake(line)).toThrow(expect.objectContaining({ status: 400, code: 'bad_handshake' }));
  });
});

describe('reply lines', () => {
  it('formats success and refusal as one printable line', () => {
    expect(formatOk('s-1')).toBe('JITGATE/1 200 s-1\n');
    expect(formatRefusal(new AdmissionRefusal(502, 'target_unreachable', 'dial tcp: refused\nnext\u0007'))).toBe('JITGATE/1 502 target_unreachable dial tcp: refused next\n');
  });
});

describe('readHandshakeLine', () => {
  it('returns the line and leaves what follows it in the socket', async () => {
    const socket = new PassThrough();
    const line = readHandshakeLine(socket, 1024, 1000);
    socket.write('JITGATE/1 CONNECT a ');
    socket.write('t\nfirst bytes');
    expect(await line).toBe('JITGATE/1 CONNECT a t');
    expect(socket.read()?.toString()).toBe('first bytes');
  });

  it('refuses a line over the limit without waiting for its end', async () => {
    const socket = new PassThrough();
    const line = readHandshakeLine(socket, 1024, 1000);
    socket.write(Buffer.alloc(2000, 0x41));
    await expect(line).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/longer than 1024/) });
  });

  it('refuses non-ASCII bytes, an early end and a deadline', async () => {
    const nonAscii = new PassThrough();
    const a = readHandshakeLine(nonAscii, 1024, 1000);
    nonAscii.write(Buffer.from('JITGATE/1 CONNECT é t\n'));
    await expect(a).rejects.toMatchObject({ message: expect.stringMatching(/ASCII/) });

    const ended = new PassThrough();
    const b = readHandshakeLine(ended, 1024, 1000);
    ended.end('JITGATE/1');
    await expect(b).rejects.toMatchObject({ message: expect.stringMatching(/ended before/) });

    const silent = new PassThrough();
    await expect(readHandshakeLine(silent, 1024, 50)).rejects.toMatchObject({ message: expect.stringMatching(/within 0.05 s/) });
  });
});
