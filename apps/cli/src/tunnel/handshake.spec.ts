import { describe, expect, it } from 'vitest';
import { CliError } from '../errors.js';
import { parseAnswer, refusalError, requestLine } from './handshake.js';

describe('requestLine', () => {
  it('is the docs/tunnel.md line', () => {
    expect(requestLine('orders-db', 'jg_abc')).toBe('JITGATE/1 CONNECT orders-db jg_abc\n');
  });

  it.each(['Orders', 'a b', '-x', '', 'x'.repeat(64), 'db\n'])('refuses the connection name %j', (name) => {
    expect(() => requestLine(name, 'jg_abc')).toThrow(/is not a connection name/);
  });

  it('refuses a line over 40 KiB without echoing the token', () => {
    const token = `jg_${'t'.repeat(41 * 1024)}`;
    const attempt = () => requestLine('db', token);
    expect(attempt).toThrow(/too long/);
    expect(attempt).not.toThrow(token);
  });
});

describe('parseAnswer', () => {
  it.each([
    ['JITGATE/1 200 9f1c', { ok: true, sessionId: '9f1c' }],
    ['JITGATE/1 200 9f1c\r', { ok: true, sessionId: '9f1c' }],
    ['JITGATE/1 403 no_grant no grant in force', { ok: false, status: 403, code: 'no_grant', message: 'no grant in force' }],
    ['JITGATE/1 400 bad_handshake', { ok: false, status: 400, code: 'bad_handshake', message: '' }],
    ['HTTP/1.1 400 Bad Request', null],
    ['JITGATE/1 200', null],
    ['JITGATE/2 200 x', null],
    ['JITGATE/1 999 x y', null],
    ['', null],
  ])('%j', (line, expected) => {
    expect(parseAnswer(line)).toEqual(expected);
  });
});

describe('refusalError', () => {
  it.each([
    [401, 'unauthenticated', 'auth', 2],
    [403, 'no_grant', 'not_permitted', 3],
    [404, 'not_found', 'usage', 1],
    [400, 'bad_handshake', 'usage', 1],
    [503, 'no_agent', 'unavailable', 4],
    [502, 'target_unreachable', 'unavailable', 4],
  ] as const)('%i %s → %s (exit %i)', (status, code, kind, exit) => {
    const error = refusalError('orders-db', { ok: false, status, code, message: 'm' });
    expect(error).toBeInstanceOf(CliError);
    expect(error.kind).toBe(kind);
    expect(error.exitCode).toBe(exit);
    expect(error.message).toContain(`(gateway: ${status} ${code} "m")`);
  });

  it('strips control characters from what the gateway said', () => {
    const error = refusalError('db', { ok: false, status: 403, code: 'no_grant', message: 'a\x1b[31mb\x07' });
    expect(error.message).not.toMatch(/[\x00-\x1f]/);
  });
});
