// The in-memory socket pair under the HTTP dialer: bytes both ways, backpressure, half-close,
// and what the other end sees when one end is destroyed.
import { once } from 'node:events';
import http from 'node:http';
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

  it("serves Node's HTTP server and client over one pair, keep-alive", async () => {
    const server = http.createServer((req, res) => res.end(`${req.method} ${req.url}`));
    const [clientEnd, serverEnd] = duplexPair();
    server.emit('connection', serverEnd);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    (agent as unknown as { createConnection: () => unknown }).createConnection = () => clientEnd;
    const ask = (path: string) =>
      new Promise<string>((resolve, reject) => {
        http
          .get({ host: 'pair.invalid', path, agent }, (res) => {
            const parts: Buffer[] = [];
            res.on('data', (c: Buffer) => parts.push(c));
            res.on('end', () => resolve(Buffer.concat(parts).toString()));
          })
          .on('error', reject);
      });
    expect(await ask('/one')).toBe('GET /one');
    expect(await ask('/two')).toBe('GET /two');
    agent.destroy();
    server.close();
  });
});

describe('duplexPair idle timeout', () => {
  it("emits 'timeout' after the idle time, restarted by traffic either way", async () => {
    const [a, b] = duplexPair();
    b.resume();
    let timedOut = 0;
    (a as unknown as { setTimeout(ms: number, cb: () => void): void }).setTimeout(60, () => timedOut++);
    await new Promise((resolve) => setTimeout(resolve, 40));
    a.write('x');
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(timedOut).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(timedOut).toBe(1);
  });

  it('keeps what was written before anyone listened', async () => {
    const [a, b] = duplexPair();
    a.write('early');
    await new Promise((resolve) => setImmediate(resolve));
    const got = once(b, 'data');
    expect(String((await got)[0])).toBe('early');
  });
});
