// TLS is the default. A throwaway CA signs a certificate for a DNS name only (no IP SAN): the
// agent must dial the resolved IP yet verify the name, and must refuse a certificate that does
// not match what it dialled — as a retryable failure, not a reason to give up.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_TOKEN, startAgent, type Harness } from './support/agent-harness.js';
import { TestGateway } from './support/test-gateway.js';

const NAME = 'gateway.jitgate.test';
let dir: string;
let ca: Buffer;
let gateway: TestGateway;
const harnesses: Harness[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jitgate-agent-tls-'));
  const openssl = (...args: string[]) => promisify(execFile)('openssl', args, { cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=jitgate test CA');
  await openssl('req', ...ec, '-keyout', 'gw.key', '-out', 'gw.csr', '-subj', `/CN=${NAME}`);
  await writeFile(join(dir, 'ext.cnf'), `subjectAltName=DNS:${NAME}\n`);
  await openssl('x509', '-req', '-in', 'gw.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'gw.pem', '-days', '2', '-extfile', 'ext.cnf');
  ca = await readFile(join(dir, 'ca.pem'));
  gateway = await TestGateway.start({ token: AGENT_TOKEN, assignments: [], tls: { cert: await readFile(join(dir, 'gw.pem')), key: await readFile(join(dir, 'gw.key')) } });
});

afterAll(async () => {
  for (const harness of harnesses) await harness.stop();
  await gateway.close();
  await rm(dir, { recursive: true, force: true });
});

describe('TLS to the gateway', () => {
  it('dials the resolved address of a DNS name and verifies the certificate against that name', async () => {
    const resolved: string[] = [];
    const harness = startAgent({
      gateway: `${NAME}:${gateway.port}`,
      connections: ['echo'],
      ca,
      resolve: async (host) => {
        resolved.push(host);
        return ['127.0.0.1'];
      },
    });
    harnesses.push(harness);
    const tunnel = await gateway.nextTunnel();
    expect(resolved).toEqual([NAME]);
    expect(tunnel.hello.name).toBe('edge-1');
    await expect.poll(() => harness.agent.snapshot()).toEqual([{ gateway: `127.0.0.1:${gateway.port}`, state: 'ready', sessions: 0 }]);
  });

  it('refuses a certificate that does not name what it dialled, and keeps retrying', async () => {
    const before = gateway.tunnels.length;
    const harness = startAgent({ gateway: `127.0.0.1:${gateway.port}`, connections: ['echo'], ca });
    harnesses.push(harness);
    let gaveUp = false;
    void harness.agent.done.then(() => (gaveUp = true));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(gateway.tunnels.length).toBe(before);
    expect(gaveUp).toBe(false);
    expect(['backoff', 'connecting']).toContain(harness.agent.snapshot()[0]?.state);
  });
});
