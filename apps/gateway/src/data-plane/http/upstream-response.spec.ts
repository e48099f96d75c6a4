// relayResponse between two real HTTP servers on loopback: what streams, what is masked, what
// is refused, as a caller sees it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { compileMasker } from '@jitgate/masking';
import { relayResponse, type RelayOptions } from './upstream-response.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A target answering with `write`, behind a relay with `options`; returns what a caller gets and when. */
async function through(write: (res: http.ServerResponse) => void, options: Partial<RelayOptions>) {
  const target = await listen((_req, res) => write(res));
  const relay = await listen((_req, res) => {
    http.get({ port: target, host: '127.0.0.1', path: '/' }, (upstream) => {
      void relayResponse(upstream, res, { connection: 'c', masker: null, mask: { jsonPaths: [] }, maxMaskedBodyBytes: 1024 * 1024, sse: null, ...options });
    });
  });
  return new Promise<{ status: number; body: Buffer; firstAt: number; endAt: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const started = Date.now();
    http
      .get({ port: relay, host: '127.0.0.1', path: '/' }, (res) => {
        const parts: Buffer[] = [];
        let firstAt = -1;
        res.on('data', (c: Buffer) => {
          if (firstAt < 0) firstAt = Date.now() - started;
          parts.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts), firstAt, endAt: Date.now() - started, headers: res.headers }));
        // A cut answer: the caller must not take what came as the whole of it.
        res.on('error', () => reject(new Error(`cut after ${Buffer.concat(parts).toString('latin1')}`)));
      })
      .on('error', reject);
  });
}

const masker = compileMasker({ columns: [], detectors: ['email'] });

describe('relayResponse', () => {
  it('refuses a binary body at its first bytes when masking is in force, not after reading it', async () => {
    let targetDone = false;
    const got = await through(
      (res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(Buffer.from([0xff, 0xfe, 0x00, 0x01]));
        setTimeout(() => res.end(Buffer.alloc(2 * 1024 * 1024, 7), () => (targetDone = true)), 300);
      },
      { masker, maxMaskedBodyBytes: 1024 },
    );
    expect(got.status).toBe(502);
    expect(got.headers['x-jitgate-error']).toBe('unmaskable_body');
    expect(JSON.parse(got.body.toString()).error.message).toMatch(/not UTF-8/);
    expect(targetDone).toBe(false);
  });

  it('refuses a partial answer, whatever its bytes, when masking is in force', async () => {
    const got = await through(
      (res) => {
        res.writeHead(206, { 'content-type': 'text/plain', 'content-range': 'bytes 1-5/6' });
        res.end('hello');
      },
      { masker },
    );
    expect(got.status).toBe(502);
    expect(got.headers['x-jitgate-error']).toBe('unmaskable_body');
  });

  it('refuses an event stream it cannot decode before sending anything, and cuts one that turns undecodable', async () => {
    const encoded = await through(
      (res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
        res.end('data: x\n\n');
      },
      { masker },
    );
    expect(encoded.status).toBe(502);
    expect(encoded.headers['x-jitgate-error']).toBe('unmaskable_body');
    const charset = await through(
      (res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-16' });
        res.end('data: x\n\n');
      },
      { masker },
    );
    expect(charset.status).toBe(502);
    await expect(
      through(
        (res) => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: one\n\n');
          setTimeout(() => res.end(Buffer.from('data: caf\xe9 ann@example.com\n\n', 'latin1')), 100);
        },
        { masker },
      ),
    ).rejects.toThrow(/^cut after data: one\n\n$/);
  });

  it('reads text whole, masks it and fixes its length', async () => {
    const got = await through(
      (res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 24 });
        res.end('write to ann@example.com');
      },
      { masker },
    );
    expect(got.body.toString()).not.toContain('ann@example.com');
    expect(Number(got.headers['content-length'])).toBe(got.body.length);
  });

  it('refuses text too large to mask with a 502, not a truncated body', async () => {
    const got = await through(
      (res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('x'.repeat(4096));
      },
      { masker, maxMaskedBodyBytes: 1024 },
    );
    expect(got.status).toBe(502);
    expect(JSON.parse(got.body.toString()).error.errors[0].reason).toBe('too_large_to_mask');
  });

  it('masks server-sent events one at a time while they stream', async () => {
    const got = await through(
      (res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first ann@example.com\n\n');
        setTimeout(() => res.end('data: second\n\n'), 300);
      },
      { masker },
    );
    expect(got.body.toString()).toMatch(/^data: first (?!ann@example\.com)/);
    expect(got.body.toString()).toContain('data: second');
    expect(got.endAt - got.firstAt).toBeGreaterThan(200);
  });

  it('passes everything as it comes without a masker', async () => {
    const got = await through((res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('ann@example.com ');
      setTimeout(() => res.end('done'), 300);
    }, {});
    expect(got.body.toString()).toBe('ann@example.com done');
    expect(got.endAt - got.firstAt).toBeGreaterThan(200);
  });
});

describe("relayResponse and the agent's own refusals", () => {
  it('answers them in the gateway shape, with their code and message', async () => {
    const got = await through((res) => {
      const body = JSON.stringify({ error: { code: 'target_unreachable', message: 'http://127.0.0.1:9 unreachable (ECONNREFUSED)' } });
      res.writeHead(502, { 'content-type': 'application/json', 'x-jitgate-error': 'target_unreachable', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }, {});
    expect(got.status).toBe(502);
    expect(got.headers['x-jitgate-error']).toBe('target_unreachable');
    expect(JSON.parse(got.body.toString())).toMatchObject({
      error: { code: 502, status: 'UNAVAILABLE', message: 'jitgate: http://127.0.0.1:9 unreachable (ECONNREFUSED)', errors: [{ reason: 'target_unreachable' }] },
    });
  });
});
