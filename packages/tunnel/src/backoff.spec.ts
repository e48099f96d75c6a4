import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';
import { classifyTransportError } from './transport-errors.js';

describe('Backoff', () => {
  it('follows 1 s × 1.6 up to 120 s without jitter', () => {
    const backoff = new Backoff({ jitter: 0 });
    const delays = Array.from({ length: 14 }, () => backoff.next());
    expect(delays.slice(0, 4)).toEqual([1000, 1600, 2560, 4096]);
    expect(delays.at(-1)).toBe(120_000);
    expect(Math.max(...delays)).toBe(120_000);
  });

  it.each([
    [0, 800],
    [0.5, 1000],
    [0.999_999, 1200],
  ])('jitters ±20%% (random %f → %i ms)', (r, expected) => {
    expect(new Backoff({ random: () => r }).next()).toBe(expected);
  });

  it('starts over after reset', () => {
    const backoff = new Backoff({ jitter: 0 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(1000);
  });
});

describe('classifyTransportError', () => {
  it.each([
    [status.UNAUTHENTICATED, false],
    [status.PERMISSION_DENIED, false],
    [status.UNIMPLEMENTED, false],
    [status.UNAVAILABLE, true],
    [status.INTERNAL, true],
    [status.CANCELLED, true],
    [status.DEADLINE_EXCEEDED, true],
  ])('code %i → retry %s', (code, retry) => {
    expect(classifyTransportError({ code, details: 'x' }).retry).toBe(retry);
  });

  it('retries errors without a gRPC code', () => {
    expect(classifyTransportError(new Error('ECONNREFUSED')).retry).toBe(true);
  });
});
