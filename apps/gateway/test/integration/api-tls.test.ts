// HTTPS on PORT (JITGATE_API_TLS_CERT / _KEY): the REST API and health answer over TLS with the
// configured certificate, and a plaintext request gets no answer. A self-signed certificate for
// 127.0.0.1, made by openssl.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/platform/config/config.schema.js';
import { startGateway, type TestGateway } from '../support/gateway-harness.js';

function get(url: string, options: https.RequestOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
  });
}

describe('TLS on the REST port', () => {
  let dir: string;
  let cert: Buffer;
  let gw: TestGateway;
  let httpsUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'jitgate-api-tls-'));
    const [certFile, keyFile] = [path.join(dir, 'api.crt'), path.join(dir, 'api.key')];
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
      { stdio: 'ignore' },
    );
    cert = readFileSync(certFile);
    gw = await startGateway({ env: { JITGATE_API_TLS_CERT: certFile, JITGATE_API_TLS_KEY: keyFile } });
    httpsUrl = gw.baseUrl.replace(/^http:/, 'https:');
  });
  afterAll(async () => {
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers health and the API over TLS with the configured certificate, verified against it', async () => {
    const health = await get(`${httpsUrl}/healthz`, { ca: cert });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
    const anonymous = await get(`${httpsUrl}/v1/connections`, { ca: cert });
    expect(anonymous.status).toBe(401);
    const admin = await get(`${httpsUrl}/v1/connections`, { ca: cert, headers: { authorization: `Bearer ${gw.adminToken}` } });
    expect(admin.status).toBe(200);
  });

  it('is refused by a client that does not trust the certificate', async () => {
    await expect(get(`${httpsUrl}/healthz`)).rejects.toThrow(/self-signed|self signed/);
  });

  it('gives a plaintext request no HTTP answer', async () => {
    await expect(fetch(`${gw.baseUrl}/healthz`)).rejects.toThrow();
  });

  it('refuses a certificate without its key at start, naming the missing setting', () => {
    const base = { DATABASE_URL: 'postgresql://127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1:6379', JITGATE_TUNNEL_INSECURE: 'true' };
    expect(() => parseConfig({ ...base, JITGATE_API_TLS_CERT: path.join(dir, 'api.crt') })).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, JITGATE_API_TLS_CERT: path.join(dir, 'api.crt') })).toThrow(/JITGATE_API_TLS_KEY: JITGATE_API_TLS_CERT and JITGATE_API_TLS_KEY go together/);
  });
});
