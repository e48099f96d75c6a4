// The HTTP dialer against real HTTP targets on loopback, reached through a bridge that stands
// for the gateway's HTTP leg (test/support/http-targets.ts: heads passed on verbatim): what is forwarded, stripped
// and refused; keep-alive on the session; streaming both ways with backpressure; errors as JSON;
// a closed session aborting what runs upstream. Google tokens: http-dialer.gcp.spec.ts.
import http from 'node:http';
import net from 'node:net';
import type { HttpConnectionType } from '@jitgate/contracts';
import { HTTP_SESSION_PARAMETER, HTTP_SESSION_PROTOCOL } from '@jitgate/http-session';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assignment, send, startBridge, startTarget, type Bridge, type TestTarget } from '../../test/support/http-targets.js';
import { systemClock } from '../clock.js';
import { LocalCredentialProvider } from '../credentials/credential-provider.js';
import { createLogger } from '../logging/logger.js';
import { httpDialer, type HttpDialerDeps } from './http-dialer.js';
import { GOOGLE_API_ENDPOINTS } from './http-target.js';
import { TargetDialError } from './target-dialer.js';

const STATIC_TOKEN = 'static-bearer-0123456789abcdef';
const logs: string[] = [];
const deps: HttpDialerDeps = {
  credentials: new LocalCredentialProvider({ readEnv: (name) => ({ TARGET_TOKEN: STATIC_TOKEN, BAD_TOKEN: 'two words' })[name] }),
  clock: systemClock,
  logger: createLogger({ level: 'debug', agent: 'edge-1', instance: 'pod-1' }, { write: (line: string) => void logs.push(line) }),
  endpoints: GOOGLE_API_ENDPOINTS,
  responseTimeoutMs: 400,
};
const farGrant = () => Date.now() + 3_600_000;
const SESSION_PROTOCOL = { [HTTP_SESSION_PARAMETER]: HTTP_SESSION_PROTOCOL };

let target: TestTarget;
const bridges: Bridge[] = [];
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  target = await startTarget();
});
afterEach(async () => {
  for (const bridge of bridges.splice(0)) await bridge.close();
  for (const close of closers.splice(0)) await close();
});
afterAll(async () => {
  await target.close();
  expect(logs.join('\n')).not.toContain(STATIC_TOKEN);
});

async function bridgeTo(type: HttpConnectionType, settings: Record<string, unknown>, ref = '', extra: Partial<HttpDialerDeps> = {}): Promise<Bridge> {
  const bridge = await startBridge(httpDialer(type, { ...deps, ...extra }), assignment(type, settings, ref), farGrant);
  bridges.push(bridge);
  return bridge;
}

/** Bytes written straight onto a bridge connection (the head goes on verbatim), read until the connection closes. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

describe('forwarding', () => {
  it('appends the path to the root, injects the bearer, strips hop-by-hop and credential headers both ways', async () => {
    const bridge = await bridgeTo('http', { baseUrl: `${target.url}/api/v1/` }, 'env:TARGET_TOKEN');
    const answer = await send(bridge.port, {
      method: 'POST',
      path: '/items?limit=2',
      headers: {
        authorization: 'Bearer jg_caller-token',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
        'x-jitgate-session': 'forged',
        connection: 'keep-alive, x-secret-hop',
        'x-secret-hop': '1',
        'keep-alive': 'timeout=5',
        te: 'trailers',
        'x-kept': 'yes',
        host: 'evil.example',
      },
      body: 'hello',
    });
    expect(answer.status).toBe(200);
    const seen = target.seen.at(-1)!;
    expect(seen).toMatchObject({ method: 'POST', url: '/api/v1/items?limit=2' });
    expect(seen.body.toString()).toBe('hello');
    expect(seen.headers).toMatchObject({ authorization: `Bearer ${STATIC_TOKEN}`, host: `127.0.0.1:${target.port}`, 'x-kept': 'yes' });
    for (const name of ['proxy-authorization', 'x-jitgate-session', 'x-secret-hop', 'keep-alive', 'te']) expect(seen.headers[name]).toBeUndefined();
    // The target's own x-jitgate-error and its Connection-named header do not come back.
    expect(answer.headers['x-jitgate-error']).toBeUndefined();
    expect(answer.headers['x-hop']).toBeUndefined();
    expect(answer.headers['content-type']).toBe('application/json');
  });

  it('keeps the host whatever the path says; "/" is the root itself', async () => {
    const bridge = await bridgeTo('mcp', { url: `${target.url}/mcp` });
    for (const [path, expected] of [
      ['//evil.example/x', '/mcp//evil.example/x'],
      ['/', '/mcp'],
      ['/?a=1', '/mcp?a=1'],
      ['/sub', '/mcp/sub'],
    ]) {
      expect((await send(bridge.port, { path: path as string })).status).toBe(200);
      expect(target.seen.at(-1)).toMatchObject({ url: expected, headers: { host: `127.0.0.1:${target.port}` } });
      expect(target.seen.at(-1)!.headers.authorization).toBeUndefined();
    }
  });

  it('keeps one session alive over several requests, even when the target closes its connections', async () => {
    const closing = await startTarget((_req, res) => res.writeHead(200, { connection: 'close' }).end('bye'));
    closers.push(() => closing.close());
    const bridge = await bridgeTo('http', { baseUrl: closing.url });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 4; i += 1) {
      const answer = await send(bridge.port, { path: `/r${i}`, agent });
      expect(answer).toMatchObject({ status: 200, body: 'bye' });
      expect(answer.headers.connection).toBe('keep-alive');
    }
    agent.destroy();
    expect(bridge.dialed).toHaveLength(1);
    expect(closing.seen.map((s) => s.url)).toEqual(['/r0', '/r1', '/r2', '/r3']);
  });
});

describe('refusals and failures', () => {
  it('refuses absolute-form targets, CONNECT, Upgrade and dot segments with 400 JSON, reaching nothing', async () => {
    const bridge = await bridgeTo('http', { baseUrl: `${target.url}/api` });
    const before = target.seen.length;
    for (const request of [
      'GET http://evil.example/x HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
      'GET * HTTP/1.1\r\nConnection: close\r\n\r\n',
      'GET /ws HTTP/1.1\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n\r\n',
      'GET /a/../../admin HTTP/1.1\r\nConnection: close\r\n\r\n',
      'GET /a/%2e%2E/admin HTTP/1.1\r\nConnection: close\r\n\r\n',
      'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n',
    ]) {
      const answer = await raw(bridge.port, request);
      expect(answer, request).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('x-jitgate-error: bad_request');
      expect(answer).toMatch(/\{"error":\{"code":"bad_request","message":"[^"]+"\}\}$/);
    }
    expect(target.seen.length).toBe(before);
  });

  it('answers 502 target_unreachable when the target is down, and the session goes on', async () => {
    const down = await startTarget();
    await down.close();
    const bridge = await bridgeTo('http', { baseUrl: down.url });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 2; i += 1) {
      const answer = await send(bridge.port, { path: '/x', agent, method: 'PUT', body: 'data' });
      expect(answer.status).toBe(502);
      expect(answer.headers['x-jitgate-error']).toBe('target_unreachable');
      expect(JSON.parse(answer.body)).toEqual({ error: { code: 'target_unreachable', message: expect.stringContaining('ECONNREFUSED') } });
    }
    agent.destroy();
    expect(bridge.dialed).toHaveLength(1);
  });

  it('answers 504 when the target does not answer in time', async () => {
    const silent = await startTarget(() => {});
    closers.push(() => silent.close());
    const bridge = await bridgeTo('http', { baseUrl: silent.url });
    const answer = await send(bridge.port, { path: '/slow' });
    expect(answer.status).toBe(504);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'target_timeout' } });
  });

  it.each([
    ['http', { baseUrl: 'http://127.0.0.1:1' }, 'gcp-sa:reader@proj-12345.iam.gserviceaccount.com', /http connections take no Google credential/],
    ['bigquery', { projectId: 'proj-12345' }, 'env:TARGET_TOKEN', /bigquery connections take a gcp-sa: or gcp-adc credential/],
    ['cloudrun', { url: 'https://svc.a.run.app' }, 'file:/etc/token', /cloudrun connections take a gcp-sa: or gcp-adc credential/],
    ['http', { baseUrl: 'http://127.0.0.1:1' }, 'env:MISSING_TOKEN', /credential env:MISSING_TOKEN: environment variable MISSING_TOKEN is not set/],
    ['http', { baseUrl: 'http://127.0.0.1:1' }, 'env:BAD_TOKEN', /not usable as a bearer token/],
    ['http', { baseUrl: 'http://127.0.0.1:1/?key=1' }, '', /must not have a query/],
    ['mcp', { url: 'ftp://x.example' }, '', /must be an http:\/\/ or https:\/\/ URL/],
    ['http', {}, '', /need a baseUrl/],
  ] as const)('refuses to dial %s %j with %s', async (type, settings, ref, message) => {
    const dial = httpDialer(type, deps).dial(assignment(type, settings, ref), {
      signal: new AbortController().signal,
      timeoutMs: 1000,
      scope: '',
      clientParameters: SESSION_PROTOCOL,
      grantExpiresAtUnixMs: farGrant(),
    });
    await expect(dial).rejects.toThrowError(TargetDialError);
    await expect(dial).rejects.toThrowError(message);
  });

  it.each<Record<string, string>>([{}, { [HTTP_SESSION_PARAMETER]: 'http/1.1' }])(
    'refuses a session whose gateway speaks another HTTP session protocol (%j), before any credential is read',
    async (clientParameters) => {
      const bridge = await startBridge(httpDialer('http', deps), assignment('http', { baseUrl: target.url }, 'env:TARGET_TOKEN'), farGrant, clientParameters);
      bridges.push(bridge);
      await expect(send(bridge.port, { path: '/x' })).rejects.toThrow();
      expect(bridge.dialErrors.map((error) => error.message)).toEqual([expect.stringMatching(/does not speak this agent's HTTP session protocol \(frames\/1\)/)]);
    },
  );
});
