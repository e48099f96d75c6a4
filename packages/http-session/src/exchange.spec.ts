// The gateway's client and the agent's server on the two ends of a duplex pair (what the tunnel
// session joins): heads and bodies both ways, backpressure, abandonment from either side, and
// every breach of the framing closing the session.
import { create, toBinary } from '@bufbuild/protobuf';
import { HttpRequestHeadSchema, HttpResponseHeadSchema } from '@jitgate/proto';
import { duplexPair } from '@jitgate/tunnel';
import { once } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type AgentAnswer, ExchangeFailed, HttpExchangeClient, type ClientExchange, type RequestHeadInit } from './exchange-client.js';
import { type GatewayRequest, type GatewayResponse, HttpExchangeServer, type ExchangeHandler } from './exchange-server.js';
import { encodeFrame, FrameType, MAX_BODY_FRAME_BYTES, MAX_EXCHANGES } from './frames.js';

function session(handler: ExchangeHandler, maxExchanges = MAX_EXCHANGES) {
  const [gatewaySide, agentSide] = duplexPair();
  const breaches: string[] = [];
  const server = new HttpExchangeServer(agentSide, handler, { onBreach: (message) => breaches.push(message), maxExchanges });
  return { client: new HttpExchangeClient(gatewaySide), server, gatewaySide, agentSide, breaches };
}

/** A request; `onAnswer` runs as the answer arrives, before any later frame can end it. */
function call(client: HttpExchangeClient, init: RequestHeadInit, onAnswer?: (answer: AgentAnswer) => void) {
  let exchange!: ClientExchange;
  const response = new Promise<AgentAnswer>((resolve, reject) => {
    exchange = client.request(init, {
      response: (answer) => {
        onAnswer?.(answer);
        resolve(answer);
      },
      failed: reject,
    });
  });
  return { exchange, response };
}

const closeOf = (stream: NodeJS.EventEmitter) => new Promise<void>((resolve) => stream.once('close', () => resolve()));

async function readAll(answer: AgentAnswer | GatewayRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of answer) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const echo: ExchangeHandler = (req, res) => {
  void readAll(req).then((body) => {
    const text = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, raw: req.rawHeaders, chunked: req.chunked, bytes: body.length });
    res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
};

describe('an exchange', () => {
  it('carries the head, the body and the answer as Node would read them', async () => {
    const { client } = session(echo);
    const exchange = call(client, { method: 'POST', target: '/v1/items?x=1', headers: { 'content-type': 'text/plain', accept: ['a', 'b'], 'content-length': 5, cookie: ['c=1', 'd=2'] }, chunked: false });
    exchange.exchange.body.end('hello');
    const answer = await exchange.response;
    expect(answer.statusCode).toBe(201);
    expect(answer.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    const seen = JSON.parse((await readAll(answer)).toString()) as Record<string, unknown>;
    expect(answer.complete).toBe(true);
    expect(seen).toMatchObject({ method: 'POST', url: '/v1/items?x=1', chunked: false, bytes: 5 });
    expect(seen['headers']).toEqual({ 'content-type': 'text/plain', accept: 'a, b', 'content-length': '5', cookie: 'c=1; d=2' });
    expect(seen['raw']).toEqual(['content-type', 'text/plain', 'accept', 'a', 'accept', 'b', 'content-length', '5', 'cookie', 'c=1', 'cookie', 'd=2']);
  });

  it('streams large bodies both ways in bounded frames, with several exchanges at once', async () => {
    const size = 3 * MAX_BODY_FRAME_BYTES + 17;
    const { client, agentSide } = session((req, res) => {
      res.writeHead(200, { 'x-size': String(size) });
      req.pipe(res); // an echo of the upload, streamed
    });
    const framesSeen: number[] = [];
    agentSide.on('data', (chunk: Buffer) => framesSeen.push(chunk.length));
    const uploads = [0, 1, 2].map(async (n) => {
      const exchange = call(client, { method: 'PUT', target: `/u${n}`, headers: {}, chunked: true });
      const body = Buffer.alloc(size, 97 + n);
      exchange.exchange.body.end(body);
      const answer = await exchange.response;
      const back = await readAll(answer);
      return back.equals(body) && answer.complete;
    });
    expect(await Promise.all(uploads)).toEqual([true, true, true]);
    expect(Math.max(...framesSeen)).toBeLessThanOrEqual(MAX_BODY_FRAME_BYTES + 9);
  });

  it('holds a writer back while its reader is full (no body is buffered whole)', async () => {
    let sent = 0;
    let resRef: GatewayResponse | undefined;
    const { client } = session((_req, res) => {
      resRef = res;
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024);
      const pump = (): void => {
        while (sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const exchange = call(client, { method: 'GET', target: '/big', headers: {}, chunked: false });
    exchange.exchange.body.end();
    const answer = await exchange.response;
    // Nobody reads the answer: the agent's writer stalls far short of the 64 MiB.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sent).toBeLessThan(4 * 1024 * 1024);
    answer.destroy();
    await once(resRef!, 'close');
    expect(resRef!.writableFinished).toBe(false);
  });

  it('abandoned by the gateway: the agent sees its request and response end, and the session goes on', async () => {
    let seen: { req: GatewayRequest; res: GatewayResponse } | undefined;
    const { client, server } = session((req, res) => {
      if (req.url === '/slow') {
        seen = { req, res };
        res.writeHead(200);
        res.write('partial');
        return;
      }
      echo(req, res);
    });
    const slow = call(client, { method: 'POST', target: '/slow', headers: {}, chunked: true });
    slow.exchange.body.write('first part');
    const answer = await slow.response;
    const closed = once(seen!.res, 'close');
    slow.exchange.abort('the caller left');
    await closed;
    expect(seen!.req.destroyed).toBe(true);
    expect(answer.complete).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.size).toBe(0);
    const next = call(client, { method: 'GET', target: '/after', headers: {}, chunked: false });
    next.exchange.body.end();
    expect((await next.response).statusCode).toBe(201);
  });

  it('an answer cut off by the agent is not complete, and errors only for a reader that listens', async () => {
    const { client } = session((_req, res) => {
      res.writeHead(200, { 'content-length': 100 });
      res.write('only part of it', () => res.destroy());
    });
    const errors: Error[] = [];
    let closed: Promise<void> | undefined;
    const exchange = call(client, { method: 'GET', target: '/', headers: {}, chunked: false }, (answer) => {
      answer.on('error', (error) => errors.push(error));
      closed = closeOf(answer);
      answer.resume();
    });
    exchange.exchange.body.end();
    const answer = await exchange.response;
    await closed;
    expect(answer.complete).toBe(false);
    expect(errors[0]?.message).toMatch(/abandoned the exchange/);

    let quietlyClosed: Promise<void> | undefined;
    const quiet = call(client, { method: 'GET', target: '/', headers: {}, chunked: false }, (answer) => {
      quietlyClosed = closeOf(answer); // no 'error' listener: no crash
      answer.resume();
    });
    quiet.exchange.body.end();
    const unheard = await quiet.response;
    await quietlyClosed;
    expect(unheard.complete).toBe(false);
  });

  it(`refuses a request past ${MAX_EXCHANGES} under way at once without breaking the session; room() says when one can start`, async () => {
    const held: GatewayResponse[] = [];
    const { client, breaches } = session((req, res) => {
      req.resume();
      held.push(res);
    });
    const calls = Array.from({ length: MAX_EXCHANGES + 1 }, () => call(client, { method: 'GET', target: '/', headers: {}, chunked: false }));
    for (const one of calls) one.exchange.body.end();
    await expect(calls[MAX_EXCHANGES]!.response).rejects.toThrow(`more than ${MAX_EXCHANGES} requests under way`);
    expect(client.inFlight).toBe(MAX_EXCHANGES);
    let roomMade = false;
    const room = client.room().then(() => (roomMade = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(roomMade).toBe(false);
    held[0]!.writeHead(204).end();
    await room;
    expect(client.inFlight).toBe(MAX_EXCHANGES - 1);
    for (const res of held.slice(1)) res.writeHead(204).end();
    await Promise.all(calls.slice(0, MAX_EXCHANGES).map((one) => one.response));
    expect(breaches).toEqual([]);
    expect(client.closedBy).toBeUndefined();
  });

  it('the session ending fails what is in flight and every later request', async () => {
    const { client, agentSide } = session(() => {});
    const pending = call(client, { method: 'GET', target: '/', headers: {}, chunked: false });
    pending.exchange.body.end();
    agentSide.destroy();
    await expect(pending.response).rejects.toBeInstanceOf(ExchangeFailed);
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.closedBy?.message).toMatch(/ended/);
    await expect(call(client, { method: 'GET', target: '/', headers: {}, chunked: false }).response).rejects.toThrow(/ended/);
  });
});

describe('breaches close the session', () => {
  const head = (method: string, headers: Array<[string, string]>, chunked = false) =>
    toBinary(HttpRequestHeadSchema, create(HttpRequestHeadSchema, { method, target: '/', headers: headers.map(([name, value]) => ({ name, value })), chunked }));

  async function agentAfter(frames: Buffer[]) {
    const handled: GatewayRequest[] = [];
    const { gatewaySide, agentSide, breaches } = session((req) => {
      handled.push(req);
      req.resume();
    }, 4);
    for (const frame of frames) gatewaySide.write(frame);
    await once(agentSide, 'close');
    return { breaches, handled };
  }

  it.each([
    ['garbage', [Buffer.from('GET / HTTP/1.1\r\n\r\n')], /unknown frame type/],
    ['an unreadable head', [encodeFrame(FrameType.REQUEST_HEAD, 1, Buffer.from([0xff, 0xff, 0xff]))], /unreadable request head/],
    ['more body than declared', [encodeFrame(FrameType.REQUEST_HEAD, 1, head('POST', [['content-length', '3']])), encodeFrame(FrameType.BODY, 1, Buffer.from('four'))], /4 body bytes where 3/],
    ['a body where none was declared', [encodeFrame(FrameType.REQUEST_HEAD, 1, head('GET', [])), encodeFrame(FrameType.BODY, 1, Buffer.from('x'))], /1 body bytes where 0/],
    [
      'less body than declared',
      [encodeFrame(FrameType.REQUEST_HEAD, 1, head('POST', [['content-length', '9']])), encodeFrame(FrameType.BODY, 1, Buffer.from('x')), encodeFrame(FrameType.END, 1)],
      /after 1 of 9/,
    ],
    ['a frame for an exchange never opened', [encodeFrame(FrameType.BODY, 5, Buffer.from('x'))], /never opened/],
    ['exchanges out of order', [encodeFrame(FrameType.REQUEST_HEAD, 2, head('GET', [])), encodeFrame(FrameType.REQUEST_HEAD, 1, head('GET', []))], /out of order/],
    ['a response frame sent to the agent', [encodeFrame(FrameType.REQUEST_HEAD, 1, head('GET', [])), encodeFrame(FrameType.RESPONSE_HEAD, 1, Buffer.alloc(0))], /under way/],
    ['too many exchanges at once', [1, 2, 3, 4, 5].map((n) => encodeFrame(FrameType.REQUEST_HEAD, n, head('GET', []))), /more than 4 exchanges/],
  ])('%s', async (_name, frames, expected) => {
    const { breaches } = await agentAfter(frames);
    expect(breaches).toEqual([expect.stringMatching(expected)]);
  });

  it('a head whose content-length is invalid is handed on marked, for the handler to refuse', async () => {
    const handled: GatewayRequest[] = [];
    const { client } = session((req, res) => {
      handled.push(req);
      req.resume();
      res.writeHead(400).end();
    });
    for (const headers of [{ 'Content-Length': '3', 'content-length': '4' }, { 'content-length': 'x' }] as OutgoingHttpHeaders[]) {
      const exchange = call(client, { method: 'POST', target: '/', headers, chunked: false });
      exchange.exchange.body.end('abcd');
      expect((await exchange.response).statusCode).toBe(400);
    }
    const chunkedWithLength = call(client, { method: 'POST', target: '/', headers: { 'content-length': '4' }, chunked: true });
    chunkedWithLength.exchange.body.end('abcd');
    expect((await chunkedWithLength.response).statusCode).toBe(400);
    expect(handled.map((req) => req.framingProblem)).toEqual([expect.stringMatching(/invalid/), expect.stringMatching(/invalid/), expect.stringMatching(/chunked/)]);
  });

  it('at the gateway: an answer longer than its content-length, or a status out of range', async () => {
    for (const misbehave of [
      (agent: Duplex) => {
        agent.write(encodeFrame(FrameType.RESPONSE_HEAD, 1, toBinary(HttpResponseHeadSchema, create(HttpResponseHeadSchema, { status: 200, headers: [{ name: 'content-length', value: '2' }] }))));
        agent.write(encodeFrame(FrameType.BODY, 1, Buffer.from('three')));
      },
      (agent: Duplex) => agent.write(encodeFrame(FrameType.RESPONSE_HEAD, 1, toBinary(HttpResponseHeadSchema, create(HttpResponseHeadSchema, { status: 101 })))),
      (agent: Duplex) => agent.write(encodeFrame(FrameType.REQUEST_HEAD, 1, Buffer.alloc(0))),
    ]) {
      const [gatewaySide, agentSide] = duplexPair();
      agentSide.resume();
      const breaches: string[] = [];
      const client = new HttpExchangeClient(gatewaySide, { onBreach: (message) => breaches.push(message) });
      let cut: Promise<string> | undefined;
      const exchange = call(client, { method: 'GET', target: '/', headers: {}, chunked: false }, (answer) => {
        cut = new Promise<string>((resolve) => answer.on('error', (error) => resolve(error.message)).resume());
      });
      exchange.exchange.body.end();
      misbehave(agentSide);
      const outcome = await exchange.response.then(
        () => cut,
        (error: Error) => error.message,
      );
      expect(outcome).toMatch(/broke the HTTP session protocol/);
      expect(breaches).toHaveLength(1);
      expect(gatewaySide.destroyed).toBe(true);
    }
  });
});
