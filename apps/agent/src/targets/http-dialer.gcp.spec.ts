// Google tokens on HTTP sessions, minted by the real broker (google-auth-library and
// @google-cloud/iam-credentials against the local stand-ins) and sent to real loopback targets
// standing in for BigQuery, Cloud Storage, Cloud Run and an MCP server: access tokens with the
// narrow default scopes only to the agent's Google endpoints; ID tokens bound to the service's
// audience; nothing minted once the grant has ended; tokens never in logs or error bodies.
import http from 'node:http';
import type { HttpConnectionType } from '@jitgate/contracts';
import { HTTP_SESSION_PARAMETER, HTTP_SESSION_PROTOCOL } from '@jitgate/http-session';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_SA, ADMIN_SA, BIGQUERY, DEEP_SA, HOP_SA, READER_SA, STORAGE_READ_WRITE, startBrokerHarness, type BrokerHarness } from '../../test/support/gcp-broker-harness.js';
import { assignment, send, startBridge, startTarget, testCertificates, type Bridge, type TestTarget } from '../../test/support/http-targets.js';
import { CredentialError, LocalCredentialProvider, type CredentialProvider } from '../credentials/credential-provider.js';
import { httpDialer, type HttpDialerDeps } from './http-dialer.js';
import { TargetDialError } from './target-dialer.js';

let h: BrokerHarness;
let target: TestTarget;
let deps: HttpDialerDeps;
const bridges: Bridge[] = [];

beforeAll(async () => {
  h = await startBrokerHarness();
  target = await startTarget();
  deps = {
    credentials: new LocalCredentialProvider({ readEnv: () => undefined, gcp: h.broker }),
    clock: h.clock,
    logger: h.logger,
    endpoints: { bigquery: target.url, storage: target.url },
  };
});
afterEach(async () => {
  for (const bridge of bridges.splice(0)) await bridge.close();
});
afterAll(async () => {
  const logs = h.logs.join('\n');
  for (const token of h.allTokens()) expect(logs).not.toContain(token);
  await target.close();
  await h?.close();
});

const iamCallsSince = (before: number) => h.google.iam.calls.slice(before);
const bearerSeen = () => String(target.seen.at(-1)?.headers.authorization ?? '').replace(/^Bearer /, '');
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

async function bridgeTo(type: HttpConnectionType, settings: Record<string, unknown>, ref: string, grantEnd: number, extra: Partial<HttpDialerDeps> = {}): Promise<Bridge> {
  const bridge = await startBridge(httpDialer(type, { ...deps, ...extra }), assignment(type, settings, ref), () => grantEnd);
  bridges.push(bridge);
  return bridge;
}

describe('access tokens, only to the Google endpoints', () => {
  it('bigquery: the narrow default scope, a lifetime bounded by the grant, the path on the endpoint', async () => {
    const before = h.google.iam.calls.length;
    const bridge = await bridgeTo('bigquery', { projectId: 'proj-12345' }, `gcp-sa:${READER_SA}`, h.clock.now() + 90_000);
    const answer = await send(bridge.port, { method: 'POST', path: '/bigquery/v2/projects/proj-12345/queries', body: '{"query":"SELECT 1"}' });
    expect(answer.status).toBe(200);
    expect(target.seen.at(-1)).toMatchObject({ url: '/bigquery/v2/projects/proj-12345/queries' });
    expect(bearerSeen()).toBe(h.google.iam.accessTokenFor(READER_SA, [BIGQUERY]));
    expect(iamCallsSince(before)).toMatchObject([{ method: 'GenerateAccessToken', scope: [BIGQUERY], lifetimeSeconds: 90, outcome: 'OK' }]);
  });

  it('gcs: devstorage.read_write by default, through the delegation chain of the settings', async () => {
    const before = h.google.iam.calls.length;
    const bridge = await bridgeTo('gcs', { buckets: ['acme-data'], delegates: [HOP_SA] }, `gcp-sa:${DEEP_SA}`, h.clock.now() + 120_000);
    expect((await send(bridge.port, { path: '/storage/v1/b/acme-data/o' })).status).toBe(200);
    expect(bearerSeen()).toBe(h.google.iam.accessTokenFor(DEEP_SA, [STORAGE_READ_WRITE]));
    expect(iamCallsSince(before)).toMatchObject([{ scope: [STORAGE_READ_WRITE], delegates: [`projects/-/serviceAccounts/${HOP_SA}`], outcome: 'OK' }]);
  });

  it('asks the broker per request (its cache answers) and mints nothing once the grant has ended', async () => {
    const grantEnd = h.clock.now() + 100_000;
    const bridge = await bridgeTo('bigquery', { projectId: 'proj-12345' }, `gcp-sa:${READER_SA}`, grantEnd, { credentials: counting(deps.credentials) });
    const before = { iam: h.google.iam.calls.length, seen: target.seen.length, resolves: resolves };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 2; i += 1) expect((await send(bridge.port, { agent, path: `/bigquery/v2/projects/proj-12345/datasets?i=${i}` })).status).toBe(200);
    expect(resolves - before.resolves).toBe(3); // the pre-flight, then one per request
    h.clock.advance(100_000);
    const answer = await send(bridge.port, { agent, path: '/bigquery/v2/projects/proj-12345/datasets' });
    agent.destroy();
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'no_grant' } });
    expect(resolves - before.resolves).toBe(3);
    expect(target.seen.length - before.seen).toBe(2);
    expect(h.google.iam.calls.length - before.iam).toBeLessThanOrEqual(1);
    expect(bridge.dialed).toHaveLength(1);
  });

  it('answers 502 credential_unavailable when a later mint fails, without any token in the body', async () => {
    let calls = 0;
    const flaky: CredentialProvider = {
      resolve: async (ref, context) => {
        calls += 1;
        if (calls > 1) throw new CredentialError('unavailable', 'IAM Credentials did not mint a token (UNAVAILABLE)');
        return deps.credentials.resolve(ref, context);
      },
      check: (ref) => deps.credentials.check(ref),
    };
    const bridge = await bridgeTo('gcs', {}, `gcp-sa:${READER_SA}`, h.clock.now() + 60_000, { credentials: flaky });
    const answer = await send(bridge.port, { path: '/storage/v1/b' });
    expect(answer.status).toBe(502);
    expect(answer.headers['x-jitgate-error']).toBe('credential_unavailable');
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'credential_unavailable', message: `credential gcp-sa:${READER_SA}: IAM Credentials did not mint a token (UNAVAILABLE)` } });
  });

  it('fails the dial with a clear error when IAM refuses, or when the grant has already ended', async () => {
    const options = (grantExpiresAtUnixMs: number) => ({
      signal: new AbortController().signal,
      timeoutMs: 5000,
      scope: '',
      clientParameters: { [HTTP_SESSION_PARAMETER]: HTTP_SESSION_PROTOCOL },
      grantExpiresAtUnixMs,
    });
    const dialer = httpDialer('bigquery', deps);
    const refused = dialer.dial(assignment('bigquery', { projectId: 'proj-12345' }, `gcp-sa:${ADMIN_SA}`), options(h.clock.now() + 60_000));
    await expect(refused).rejects.toThrowError(TargetDialError);
    await expect(refused).rejects.toThrowError(`credential gcp-sa:${ADMIN_SA}: IAM Credentials refused a token for ${ADMIN_SA} (PERMISSION_DENIED)`);
    await expect(dialer.dial(assignment('bigquery', { projectId: 'proj-12345' }, `gcp-sa:${READER_SA}`), options(h.clock.now() - 1))).rejects.toThrowError('grant has already ended');
  });
});

describe('ID tokens for Cloud Run and MCP', () => {
  it.each([
    ['cloudrun', { url: '{target}/api' }, '/reports', '/api/reports', '{target}'],
    ['cloudrun', { url: '{target}/api', audience: 'reports-backend' }, '/', '/api', 'reports-backend'],
    ['mcp', { url: '{target}/mcp' }, '/', '/mcp', '{target}'],
    ['mcp', { url: '{target}/mcp', audience: 'https://mcp.example.com', delegates: [HOP_SA] }, '/', '/mcp', 'https://mcp.example.com'],
  ] as const)('%s %j: audience as the settings say', async (type, settings, path, expectedPath, audience) => {
    const resolved = JSON.parse(JSON.stringify(settings).replaceAll('{target}', target.url)) as Record<string, unknown>;
    const account = 'delegates' in settings ? DEEP_SA : READER_SA;
    const bridge = await bridgeTo(type, resolved, `gcp-sa:${account}`, h.clock.now() + 60_000);
    expect((await send(bridge.port, { method: 'POST', path, body: '{}' })).status).toBe(200);
    expect(target.seen.at(-1)!.url).toBe(expectedPath);
    expect(claims(bearerSeen())).toMatchObject({ aud: audience.replace('{target}', target.url), email: account });
  });

  it("gcp-adc without a targetServiceAccount sends the agent's own ID token", async () => {
    const bridge = await bridgeTo('mcp', { url: `${target.url}/mcp` }, 'gcp-adc', h.clock.now() + 60_000);
    expect((await send(bridge.port, { method: 'POST', path: '/', body: '{}' })).status).toBe(200);
    expect(claims(bearerSeen())).toMatchObject({ aud: target.url, email: AGENT_SA });
  });
});

describe('https targets', () => {
  it('verifies the target certificate against the configured roots', async () => {
    const tls = await testCertificates();
    const secure = await startTarget(undefined, { key: tls.key, cert: tls.cert });
    try {
      const trusted = await bridgeTo('cloudrun', { url: secure.url }, `gcp-sa:${READER_SA}`, h.clock.now() + 60_000, { ca: tls.ca });
      expect((await send(trusted.port, { path: '/ok' })).status).toBe(200);
      expect(claims(String(secure.seen.at(-1)!.headers.authorization).replace(/^Bearer /, ''))).toMatchObject({ aud: secure.url });
      const untrusted = await bridgeTo('cloudrun', { url: secure.url }, `gcp-sa:${READER_SA}`, h.clock.now() + 60_000);
      const answer = await send(untrusted.port, { path: '/ok' });
      expect(answer.status).toBe(502);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'target_unreachable', message: expect.stringMatching(/^TLS to https:\/\/127\.0\.0\.1:\d+ failed/) } });
      expect(secure.seen).toHaveLength(1);
    } finally {
      await secure.close();
    }
  });
});

let resolves = 0;
function counting(inner: CredentialProvider): CredentialProvider {
  return {
    resolve: (ref, context) => {
      resolves += 1;
      return inner.resolve(ref, context);
    },
    check: (ref) => inner.check(ref),
  };
}
