// `jitgate connect --tls` against a TLS stand-in of the gateway's listener (the gateway serves
// it with JITGATE_TCP_TLS_CERT/KEY): bytes and half-closes over TLS, --ca, an untrusted
// certificate refused; the same for an HTTP connection to the gateway's HTTP port.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayHttpStandIn } from './support/gateway-http.stand-in.js';
import { GatewayListenerStandIn } from './support/gateway-listener.stand-in.js';
import { exchange, sha256 } from './support/local-client.js';
import { RestStandIn } from './support/rest.stand-in.js';
import { startCli, type InProcessRun } from './support/run-cli.js';

const TOKEN = 'jg_TLS-TOKEN-THAT-MUST-NEVER-BE-PRINTED-0123456789';

let rest: RestStandIn;
let env: Record<string, string>;
const running: InProcessRun[] = [];

async function forward(connection: string, extra: string[]): Promise<number> {
  rest.state.checks[connection] = [{ allowed: true, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }];
  const run = startCli(['connect', connection, '--port', '0', ...extra], env);
  running.push(run);
  const [, port] = await run.stdout.waitFor(/Forwarding 127\.0\.0\.1:(\d+) → .*\(TLS\)/);
  return Number(port);
}

describe('jitgate connect --tls', () => {
  let dir: string;
  let tlsListener: GatewayListenerStandIn;
  let httpsGateway: GatewayHttpStandIn;
  let httpsUrl: string;

  async function serveHttp(extra: string[]): Promise<string> {
    rest.state.checks['analytics'] = [{ allowed: true, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }];
    const run = startCli(['connect', 'analytics', '--port', '0', ...extra], env);
    running.push(run);
    const [, base] = await run.stdout.waitFor(/Serving analytics \(bigquery\) at (\S+) /);
    return base as string;
  }

  beforeAll(async () => {
    rest = new RestStandIn({ token: TOKEN, checks: {}, request: { initial: 'approved' }, grants: [], types: { analytics: 'bigquery' } });
    env = { JITGATE_URL: await rest.start(), JITGATE_TOKEN: TOKEN };
    dir = mkdtempSync(path.join(tmpdir(), 'jitgate-cli-tls-'));
    // A throwaway self-signed certificate for 127.0.0.1 (openssl is part of Debian's base).
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=jitgate-test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    tlsListener = new GatewayListenerStandIn({
      token: TOKEN,
      connections: { 'echo-db': 'echo', 'reply-db': 'reply-after-fin' },
      tls: { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') },
    });
    await tlsListener.start();
    httpsGateway = new GatewayHttpStandIn({
      token: TOKEN,
      connections: ['analytics'],
      tls: { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') },
    });
    httpsUrl = await httpsGateway.start();
  });

  afterAll(async () => {
    for (const run of running.splice(0)) {
      run.interrupt();
      await run.exit;
      expect(run.stdout.text + run.stderr.text).not.toContain(TOKEN);
    }
    await tlsListener.stop();
    await httpsGateway.stop();
    await rest.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries bytes over TLS to the listener, trusting --ca', async () => {
    const port = await forward('echo-db', ['--tls', '--ca', path.join(dir, 'cert.pem'), '--proxy', tlsListener.address]);
    const data = randomBytes(1024 * 1024);
    const result = await exchange(port, data);
    expect(sha256(result.received)).toBe(sha256(data));
  });

  it('passes half-closes over TLS too', async () => {
    const port = await forward('reply-db', ['--tls', '--ca', path.join(dir, 'cert.pem'), '--proxy', tlsListener.address]);
    const result = await exchange(port, 'abc');
    expect(result.received.toString()).toBe('got 3 bytes, bye\n');
  });

  it('refuses a listener whose certificate it does not trust (exit 4)', async () => {
    rest.state.checks['echo-db'] = [{ allowed: true, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }];
    const run = startCli(['connect', 'echo-db', '--port', '0', '--once', '--tls', '--proxy', tlsListener.address], env);
    const [, port] = await run.stdout.waitFor(/127\.0\.0\.1:(\d+)/);
    await exchange(Number(port), 'x');
    expect(await run.exit).toBe(4);
    expect(run.stderr.text).toMatch(/cannot reach the gateway's listener at 127\.0\.0\.1:\d+: TLS: .*--ca/);
    expect(run.stderr.text).not.toContain(TOKEN);
  });

  it("serves an HTTP connection through the gateway's HTTP port over TLS, trusting --ca", async () => {
    const base = await serveHttp(['--http-proxy', httpsUrl, '--ca', path.join(dir, 'cert.pem')]);
    const response = await fetch(`${base}/bigquery/v2/projects/p/datasets`);
    expect(await response.json()).toMatchObject({ path: '/bigquery/v2/projects/p/datasets' });
    expect(httpsGateway.seen.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("answers 502 naming --ca when the HTTP port's certificate is not trusted", async () => {
    const base = await serveHttp(['--http-proxy', httpsUrl.replace('https:', 'http:'), '--tls']);
    const response = await fetch(`${base}/x`);
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/cannot reach the gateway's HTTP port at https:\/\/127\.0\.0\.1:\d+: TLS: .*--ca/);
  });
});
