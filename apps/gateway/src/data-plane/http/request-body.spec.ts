// readBody behind a real HTTP server: a body over the limit is answered 413, and a client that is
// still sending it reads that answer (the rest is drained), on a connection that stays usable.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRefusal, sendRefusal } from './http-refusal.js';
import { readBody } from './request-body.js';

let server: http.Server;
let port: number;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    readBody(req, 1024).then(
      (body) => res.end(`read ${body.length}`),
      (error: unknown) => sendRefusal(res, error as HttpRefusal),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('readBody', () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const post = (body: Buffer, chunked = false) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request({ port, host: '127.0.0.1', method: 'POST', agent, headers: chunked ? {} : { 'content-length': body.length } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      if (!chunked) return req.end(body);
      // Written in pieces with no length: chunked, so only counting can find it too large.
      for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
      req.end();
    });

  it('reads a body within the limit', async () => {
    expect(await post(Buffer.alloc(1000, 1))).toEqual({ status: 200, text: 'read 1000' });
  });

  it('answers 413 to a declared and to a streamed body over the limit, and the connection serves on', async () => {
    const declared = await post(Buffer.alloc(8 * 1024 * 1024, 1));
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.text).error.errors[0].reason).toBe('too_large');
    expect((await post(Buffer.alloc(8 * 1024 * 1024, 1), true)).status).toBe(413);
    expect(await post(Buffer.alloc(10, 1))).toEqual({ status: 200, text: 'read 10' });
  });
});
