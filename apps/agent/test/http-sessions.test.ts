// HTTP sessions end to end through the real tunnel: the real Agent with the HTTP dialers,
// TestGateway's SessionPipe on the other side, the session's frames spoken on its socket by the
// client end the gateway's HTTP proxy uses (@jitgate/http-session), and a real target on loopback. Several requests share one
// session; a streamed response is cut, and the upstream request aborted, at the grant's end.
import { HTTP_SESSION_PARAMETER, HTTP_SESSION_PROTOCOL, HttpExchangeClient } from '@jitgate/http-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/clock.js';
import { LocalCredentialProvider } from '../src/credentials/credential-provider.js';
import { createLogger } from '../src/logging/logger.js';
import { httpDialers } from '../src/targets/http-dialer.js';
import { GOOGLE_API_ENDPOINTS } from '../src/targets/http-target.js';
import { defaultTargetDialers } from '../src/targets/target-dialer.js';
import { AGENT_TOKEN, startAgent, type Harness } from './support/agent-harness.js';
import { startTarget, type TestTarget } from './support/http-targets.js';
import { TestGateway, type TestTunnel } from './support/test-gateway.js';

const API_TOKEN = 'api-token-5f1e2d3c4b5a69788796a5b4';
let target: TestTarget;
let gateway: TestGateway;
let harness: Harness;
let tunnel: TestTunnel;

beforeAll(async () => {
  target = await startTarget((req, res, seen) => {
    if (req.url === '/v1/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: tick\n\n');
      return;
    }
    req.resume();
    req.on('end', () => res.end(JSON.stringify({ url: req.url, authorized: seen.headers.authorization === `Bearer ${API_TOKEN}` })));
  });
  gateway = await TestGateway.start({ token: AGENT_TOKEN, assignments: [{ name: 'api', type: 'http', settings: { baseUrl: `${target.url}/v1` }, credentialRef: 'env:API_TOKEN' }] });
  const env = { API_TOKEN };
  const credentials = new LocalCredentialProvider({ readEnv: (name) => env[name as keyof typeof env] });
  const logger = createLogger({ level: 'silent', agent: 'edge-1', instance: 'pod-1' });
  harness = startAgent({
    gateway: gateway.address,
    connections: ['api'],
    env,
    dialers: new Map([...defaultTargetDialers, ...httpDialers({ credentials, clock: systemClock, logger, endpoints: GOOGLE_API_ENDPOINTS })]),
  });
  tunnel = await gateway.nextTunnel();
});

afterAll(async () => {
  await harness?.stop();
  await gateway?.close();
  await target?.close();
});

const HTTP_SESSION = { [HTTP_SESSION_PARAMETER]: HTTP_SESSION_PROTOCOL };

/** A GET as one exchange on the session; rejects when the answer is cut off. */
function get(client: HttpExchangeClient, path: string, onChunk?: (chunk: Buffer) => void): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const exchange = client.request(
      { method: 'GET', target: path, headers: { accept: '*/*' }, chunked: false },
      {
        response: (answer) => {
          let body = '';
          answer.on('data', (chunk: Buffer) => {
            body += chunk.toString();
            onChunk?.(chunk);
          });
          answer.on('end', () => resolve({ status: answer.statusCode, body }));
          answer.on('close', () => {
            if (!answer.complete) reject(new Error('response cut off'));
          });
        },
        failed: reject,
      },
    );
    exchange.body.end();
  });
}

describe('HTTP sessions through the tunnel', () => {
  it('carries several requests on one session, each with the bearer the agent holds', async () => {
    const session = await tunnel.openSession({ connection: 'api', clientParameters: HTTP_SESSION });
    expect(session.opened.ok).toBe(true);
    const client = new HttpExchangeClient(session.client!);
    for (const path of ['/a', '/b?x=1', '/']) {
      const answer = await get(client, path);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ url: path === '/' ? '/v1' : `/v1${path}`, authorized: true });
    }
    session.client?.destroy();
    const raw = Buffer.concat(tunnel.receivedBytes).toString('latin1');
    expect(raw).not.toContain(API_TOKEN);
  });

  it('cuts a streamed response at the grant end and aborts the upstream request', async () => {
    const expiresAt = Date.now() + 1500;
    const session = await tunnel.openSession({ connection: 'api', grantId: 'grant-short', expiresAt, clientParameters: HTTP_SESSION });
    const client = new HttpExchangeClient(session.client!);
    let firstEvent!: () => void;
    const gotFirst = new Promise<void>((resolve) => (firstEvent = resolve));
    const before = target.seen.length;
    const streaming = get(client, '/events', () => firstEvent());
    await gotFirst;
    await target.seen[before]!.closed;
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    await expect(streaming).rejects.toThrow();
    await session.ended;
  });
});
