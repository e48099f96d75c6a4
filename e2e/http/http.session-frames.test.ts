// The session's frames seen from a caller (docs/http.md, "The session's frames"), as real
// processes: every kind of body framing carried across the session between the gateway and the
// agent, a transfer-coding the gateway cannot pass on refused, and a caller that pipelines more
// requests than a session carries at once served in order.
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@jitgate/testkit';
import { call, type Answer } from '../support/http-call.js';
import { HttpStack } from '../support/http-stack.js';

describe("HTTP requests across the session's frames", () => {
  let hs: HttpStack;

  beforeAll(async () => {
    hs = await HttpStack.start('http_frames');
    await hs.stack.requestGrant('web-raw');
  }, 180_000);

  afterAll(async () => {
    await hs?.dispose();
  });

  it('frames every kind of body across the session: chunked on a GET, none for 204 and HEAD, a length for POST — all on one connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sessionsBefore = (await hs.sessions('web-raw')).length;
    const chunkedGet = await new Promise<Answer>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: hs.stack.gateway.httpPort,
        path: '/c/web-raw/chunked',
        method: 'GET',
        agent,
        headers: { authorization: `Bearer ${hs.token}`, 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.write('abc');
      setTimeout(() => req.end('defg'), 50);
    });
    expect(chunkedGet.status, chunkedGet.body).toBe(200);
    expect(JSON.parse(chunkedGet.body)).toMatchObject({ method: 'GET', url: '/chunked', bytes: 7 });
    const empty = await call(`${hs.connectionUrl('web-raw')}/empty`, { token: hs.token, agent, method: 'DELETE' });
    expect(empty).toMatchObject({ status: 204, body: '' });
    const post = await call(`${hs.connectionUrl('web-raw')}/post`, { token: hs.token, agent, method: 'POST', body: 'hello' });
    expect(JSON.parse(post.body)).toMatchObject({ method: 'POST', bytes: 5 });
    // Last on this connection: Node's client does not reuse a connection after a HEAD answer
    // without content-length (this target sends none), with or without jitgate in between.
    const head = await call(`${hs.connectionUrl('web-raw')}/head`, { token: hs.token, agent, method: 'HEAD' });
    expect(head).toMatchObject({ status: 200, body: '' });
    // A transfer-coding the gateway could not pass on faithfully is refused there.
    const gzipped = await call(`${hs.connectionUrl('web-raw')}/te`, { token: hs.token, method: 'POST', headers: { 'transfer-encoding': 'gzip, chunked' }, body: 'x' });
    expect(gzipped.status).toBe(400);
    expect(gzipped.headers['x-jitgate-error']).toBe('bad_request');
    // One session for the four on the kept-alive connection, one for the refused request's own.
    expect(await eventually(async () => ((await hs.sessions('web-raw')).length === sessionsBefore + 2 ? true : undefined))).toBe(true);
    agent.destroy();
  });

  it('serves a caller that pipelines 40 requests on one connection, in order (32 at a time through the session)', async () => {
    const socket = net.connect(hs.stack.gateway.httpPort, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    const request = (i: number) => `GET /c/web-raw/stream?count=2&everyMs=200&n=${i} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${hs.token}\r\n\r\n`;
    socket.write(Array.from({ length: 40 }, (_, i) => request(i)).join(''));
    // Each answer is chunked and ends with its last chunk: 40 of those, the last one complete.
    await eventually(async () => (text.match(/\r\n0\r\n\r\n/g)?.length ?? 0) === 40, 20_000).catch((error: Error) => {
      throw new Error(
        `${error.message}: ${JSON.stringify((text.match(/^HTTP\/1\.1 (\d{3})/gm) ?? []).map((line) => line.slice(9)))} ${text.match(/\r\n0\r\n\r\n/g)?.length ?? 0} ${JSON.stringify(text.slice(-300))}`,
      );
    });
    socket.destroy();
    expect((text.match(/^HTTP\/1\.1 (\d{3})/gm) ?? []).map((line) => line.slice(9))).toEqual(Array(40).fill('200'));
    expect(text.match(/chunk 2\n/g)).toHaveLength(40);
    const seen = hs.plain.seen.filter((s) => s.url.startsWith('/stream?count=2&everyMs=200&n='));
    expect(seen.map((s) => Number(/n=(\d+)/.exec(s.url)?.[1])).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});
