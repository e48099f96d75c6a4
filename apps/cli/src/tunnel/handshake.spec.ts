import { describe, expect, it } from 'vitest';
import { CliError } from '../errors.js';
import { refusalError, requestLine } from './handshake.js';

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

  it('says what a code of a newer gateway is, without explaining it', () => {
    const error = refusalError('db', { ok: false, status: 429, code: 'slow_down', message: 'wait' });
    expect(error.message).toBe('the gateway refused the connection to db (gateway: 429 slow_down "wait")');
    expect(error.kind).toBe('usage');
  });

  it('strips control characters from what the gateway said', () => {
    const error = refusalError('db', { ok: false, status: 403, code: 'no_grant', message: 'a\x1b[31mb\x07' });
    expect(error.message).not.toMatch(/[\x00-\x1f]/);
  });
});
