// The in-memory socket pair under the HTTP dialer: bytes both ways, backpressure, half-close,
// and what the other end sees when one end is destroyed.
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { duplexPair } from './duplex-pair.js';

// Events, not `for await`: the async iterator destroys the stream at its end.
const read = (end: Duplex): Promise<string> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    end.on('data', (chunk: Buffer) => chunks.push(chunk));
    end.once('end', () => resolve(Buffer.concat(chunks).toString()));
  });

describe('duplexPair', () => {
  it('carries bytes both ways and half-closes each direction on its own', async () => {
    const [a, b] = duplexPair();
    const fromA = read(b);
    a.end('hello');
    expect(await fromA).toBe('hello');
    // b's write side is still open after a's EOF.
    const fromB = read(a);
    b.end('world');
    expect(await fromB).toBe('world');
  });

  it('stalls a writer whose reader does not read', async () => {
    const [a, b] = duplexPair();
    b.pause();
    let accepted = 0;
    while (a.write(Buffer.alloc(16 * 1024)) && accepted < 100) accepted += 1;
    expect(accepted).toBeLessThan(10);
    const drained = once(a, 'drain');
    b.resume();
    await drained;
  });

  it('delivers what was sent before a destroy, then EOF and close; later writes fail with EPIPE', async () => {
    const [a, b] = duplexPair();
    a.write('last words');
    a.destroy();
    const closed = once(b, 'close');
    expect(await read(b)).toBe('last words');
    await closed;
    const [c, d] = duplexPair();
    d.destroy();
    const failed = once(c, 'error');
    c.write('x');
    expect(((await failed)[0] as NodeJS.ErrnoException).code).toBe('EPIPE');
  });
});
