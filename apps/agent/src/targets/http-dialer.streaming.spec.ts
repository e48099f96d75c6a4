// Bodies stream through the HTTP dialer both ways, in lockstep with the far end, so nothing is
// buffered whole: a response (SSE, a large chunked download) reaches the client before the
// target has finished it; an upload reaches the target before the client has finished it and
// stalls the client when the target stops reading. Closing the session aborts the upstream
// request, and so does an exchange the gateway gives up. Real loopback targets; the bridge stands
// for the gateway's HTTP leg.
import http, { type IncomingMessage } from 'node:http';
import { HTTP_SESSION_PARAMETER, HTTP_SESSION_PROTOCOL, HttpExchangeClient, type AgentAnswer } from '@jitgate/http-session';
import { afterEach, describe, expect, it } from 'vitest';
import { assignment, startBridge, startTarget, type Bridge, type TargetHandler, type TestTarget } from '../../test/support/http-targets.js';
import { systemClock } from '../clock.js';
import { LocalCredentialProvider } from '../credentials/credential-provider.js';
import { createLogger } from '../logging/logger.js';
import { httpDialer } from './http-dialer.js';
import { GOOGLE_API_ENDPOINTS } from './http-target.js';

const dialer = httpDialer('http', {
  credentials: new LocalCredentialProvider({ readEnv: () => undefined }),
  clock: systemClock,
  logger: createLogger({ level: 'silent', agent: 'edge-1', instance: 'pod-1' }),
  endpoints: GOOGLE_API_ENDPOINTS,
});
const MiB = 1024 * 1024;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(handler: TargetHandler): Promise<{ target: TestTarget; bridge: Bridge }> {
  const target = await startTarget(handler);
  cleanups.push(() => target.close());
  const bridge = await startBridge(dialer, assignment('http', { baseUrl: target.url }), () => Date.now() + 3_600_000);
  cleanups.push(() => bridge.close());
  return { target, bridge };
}

/** A signal the test gives the target. */
function gate(): { open(): void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

async function until(what: string, condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** GET through the bridge; the response's bytes are collected as they arrive. */
function streamFrom(port: number, path: string): { received: Buffer[]; bytes(): number; response: Promise<IncomingMessage>; done: Promise<void> } {
  const received: Buffer[] = [];
  let done!: Promise<void>;
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.on('data', (chunk: Buffer) => received.push(chunk));
      done = new Promise((end) => res.once('end', () => end()));
      resolve(res);
    });
    req.on('error', reject);
  });
  return { received, bytes: () => received.reduce((n, chunk) => n + chunk.length, 0), response, done: response.then(() => done) };
}

describe('responses stream as they arrive', () => {
  it('passes server-sent events through one by one', async () => {
    const steps = [gate(), gate()];
    const { bridge } = await setUp(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('event: progress\ndata: {"n":1}\n\n');
      await steps[0]!.opened;
      res.write('event: progress\ndata: {"n":2}\n\n');
      await steps[1]!.opened;
      res.end('event: done\ndata: {}\n\n');
    });
    const stream = streamFrom(bridge.port, '/events');
    expect((await stream.response).headers['content-type']).toBe('text/event-stream');
    const text = () => Buffer.concat(stream.received).toString();
    await until('event 1', () => text().includes('"n":1'));
    expect(text()).not.toContain('"n":2');
    steps[0]!.open();
    await until('event 2', () => text().includes('"n":2'));
    expect(text()).not.toContain('event: done');
    steps[1]!.open();
    await stream.done;
    expect(text()).toBe('event: progress\ndata: {"n":1}\n\nevent: progress\ndata: {"n":2}\n\nevent: done\ndata: {}\n\n');
  });

  it('delivers the first megabytes of a large chunked download before the target writes the rest', async () => {
    const rest = gate();
    const piece = Buffer.alloc(4 * MiB, 7);
    const { bridge } = await setUp(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(piece);
      await rest.opened;
      res.end(piece);
    });
    const stream = streamFrom(bridge.port, '/blob');
    await until('the first piece', () => stream.bytes() >= piece.length);
    rest.open();
    await stream.done;
    expect(stream.bytes()).toBe(2 * piece.length);
  });
});

describe('uploads stream with backpressure', () => {
  it('reaches the target piece by piece and stalls the client while the target does not read', async () => {
    const total = 48 * MiB;
    const chunk = Buffer.alloc(256 * 1024, 1);
    let targetBytes = 0;
    const resumeTarget = gate();
    const { bridge } = await setUp((req, res) => {
      req.once('data', (first: Buffer) => {
        targetBytes += first.length;
        // Stop reading after the first piece until the test says so.
        req.pause();
        void resumeTarget.opened.then(() => {
          req.on('data', (more: Buffer) => (targetBytes += more.length));
          req.resume();
        });
      });
      req.on('end', () => res.end(JSON.stringify({ bytes: targetBytes })));
    });
    const answer = new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: bridge.port, method: 'PUT', path: '/upload', agent: false, headers: { 'content-length': total } }, (res) => {
        let body = '';
        res.on('data', (data: Buffer) => (body += data.toString()));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      void (async () => {
        let written = 0;
        let stalled = false;
        while (written < total) {
          const more = req.write(chunk);
          written += chunk.length;
          if (!more && !stalled) {
            // Not drained within a second: the whole chain is full, the target read one piece.
            const drained = await Promise.race([new Promise((r) => req.once('drain', () => r(true))), new Promise((r) => setTimeout(() => r(false), 1000))]);
            if (!drained) {
              stalled = true;
              expect(targetBytes).toBeGreaterThan(0);
              expect(written).toBeLessThan(total / 2);
              resumeTarget.open();
              await new Promise((r) => req.once('drain', r));
            }
          } else if (!more) {
            await new Promise((r) => req.once('drain', r));
          }
        }
        expect(stalled).toBe(true);
        req.end();
      })().catch(reject);
    });
    expect(JSON.parse(await answer)).toEqual({ bytes: total });
  });
});

describe('the session ending', () => {
  it('aborts the upstream request and its response stream', async () => {
    const { target, bridge } = await setUp((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
    });
    const stream = streamFrom(bridge.port, '/long');
    await until('the first event', () => stream.bytes() > 0);
    const upstreamClosed = target.seen[0]!.closed;
    bridge.dialed[0]!.destroy();
    await upstreamClosed;
    expect(target.seen).toHaveLength(1);
  });

  it('an upload given up after its answer came (a RESET) does not leave the target waiting for the rest', async () => {
    let received = 0;
    let connectionClosed = false;
    // The target keeps idle connections for a minute: only the agent can close this one in time.
    const target = await startTarget(
      (req, res) => {
        req.on('data', (chunk: Buffer) => (received += chunk.length));
        // The request itself is no longer tracked by Node's server once its answer is sent; the
        // connection it came on is what the agent must let go of.
        req.socket.once('close', () => (connectionClosed = true));
        // Answers at once, before the upload ends (as a server refusing a large body may).
        res.writeHead(200, { 'content-length': 2 });
        res.end('ok');
      },
      undefined,
      60_000,
    );
    cleanups.push(() => target.close());
    const options = { signal: new AbortController().signal, timeoutMs: 5_000, scope: '', clientParameters: { [HTTP_SESSION_PARAMETER]: HTTP_SESSION_PROTOCOL }, grantExpiresAtUnixMs: Date.now() + 3_600_000 };
    const { socket } = await dialer.dial(assignment('http', { baseUrl: target.url }), options);
    cleanups.push(async () => void socket.destroy());
    const client = new HttpExchangeClient(socket);
    let answered!: (answer: AgentAnswer) => void;
    const answer = new Promise<AgentAnswer>((resolve) => (answered = resolve));
    const exchange = client.request(
      { method: 'PUT', target: '/upload', headers: {}, chunked: true },
      {
        response: (a) => answered(a),
        failed: (error) => {
          throw error;
        },
      },
    );
    exchange.body.write(Buffer.alloc(4096, 1));
    const body: Buffer[] = [];
    for await (const chunk of await answer) body.push(chunk as Buffer);
    expect(Buffer.concat(body).toString()).toBe('ok');
    await until('the first part of the upload at the target', () => received === 4096);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(connectionClosed).toBe(false);
    exchange.abort('the caller left');
    await until("the agent to let the target's connection go", () => connectionClosed);
    expect(received).toBe(4096);
  });
});
