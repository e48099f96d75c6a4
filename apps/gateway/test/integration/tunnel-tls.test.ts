// TLS on both data-plane ports: agents dial the tunnel with JITGATE_TUNNEL_TLS_*, clients the
// listener with JITGATE_TCP_TLS_*. A self-signed certificate for 127.0.0.1, made by openssl.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { credentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway-harness.js';
import { agentOptions, allowConnections, connectClient, createIdentity, createTcpConnection, echo, FakeAgent, rawClient, registerAgent, requestGrant, startEchoServer } from '../support/tunnel-fixtures.js';

describe('TLS on the tunnel and the client listener', () => {
  let dir: string;
  let cert: Buffer;
  let gw: TestGateway;
  let target: Awaited<ReturnType<typeof startEchoServer>>;
  let agent: FakeAgent | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'jitgate-tls-'));
    const [certFile, keyFile] = [path.join(dir, 'gateway.crt'), path.join(dir, 'gateway.key')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(certFile);
    gw = await startGateway({
      env: { JITGATE_TUNNEL_TLS_CERT: certFile, JITGATE_TUNNEL_TLS_KEY: keyFile, JITGATE_TCP_TLS_CERT: certFile, JITGATE_TCP_TLS_KEY: keyFile },
    });
    target = await startEchoServer();
  });
  afterAll(async () => {
    agent?.kill();
    await target?.close();
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries a session over TLS at both ends', async () => {
    const alice = await createIdentity(gw.admin, { subject: 'alice' });
    await createTcpConnection(gw.admin, 'echo', target.port);
    await allowConnections(gw.admin, 'tcp', ['echo']);
    await requestGrant(alice, 'echo');
    const { token } = await registerAgent(gw.admin, 'edge-tls');
    const hello = { name: 'edge-tls', connections: ['echo'] };

    const plaintext = await FakeAgent.refusal(agentOptions(gw, token, hello));
    expect(plaintext.code).toBe(status.UNAVAILABLE);

    agent = await FakeAgent.connect(agentOptions(gw, token, hello, { credentials: credentials.createSsl(cert) }));
    const client = await connectClient(gw.tcpPort, 'echo', alice.token, { tls: { ca: cert } });
    expect(client.line).toMatch(/^JITGATE\/1 200 /);
    expect((await echo(client, Buffer.from('over tls'))).toString()).toBe('over tls');
    client.socket.destroy();

    // A plaintext client gets no answer line from a TLS listener.
    await expect(rawClient(gw.tcpPort, `JITGATE/1 CONNECT echo ${alice.token}\n`)).rejects.toThrow(/closed before the answer line/);
  });
});
