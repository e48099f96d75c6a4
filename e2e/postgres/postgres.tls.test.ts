// TLS on the gateway's Postgres listener (issue 4). With JITGATE_PG_TLS_CERT/KEY the gateway
// answers an SSLRequest with 'S': psql with sslmode=require (and verify-full against the
// certificate) logs in over TLS, and node-postgres with `ssl`; bytes slipped in after the
// SSLRequest are refused. Without them it answers 'N': sslmode=require fails, clearly.
// A self-signed certificate for 127.0.0.1, made by openssl (as apps/gateway/test/integration/tunnel-tls.test.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { encodeSSLRequest, encodeStartupMessage } from '@jitgate/pgwire';
import { PostgresStack, SHOP } from '../support/postgres-stack.js';
import { RawPgClient } from '../support/pg-raw-client.js';

let dir: string;
let certFile: string;
let secured: PostgresStack;
let plain: PostgresStack;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'jitgate-pg-tls-'));
  certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
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
  [secured, plain] = await Promise.all([PostgresStack.start('pg_tls_on', { gatewayEnv: { JITGATE_PG_TLS_CERT: certFile, JITGATE_PG_TLS_KEY: keyFile } }), PostgresStack.start('pg_tls_off')]);
  await secured.stack.requestGrant(SHOP);
  await plain.stack.requestGrant(SHOP);
}, 180_000);

afterAll(async () => {
  await Promise.all([secured?.dispose(), plain?.dispose()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('with JITGATE_PG_TLS_CERT and JITGATE_PG_TLS_KEY', () => {
  it('psql with sslmode=require logs in over TLS and runs a query', async () => {
    const result = await secured.psql(['-At', '-c', '\\conninfo', '-c', 'select count(*) from customers'], { env: { PGSSLMODE: 'require' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/SSL connection \(protocol: TLSv1\.[23]/);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('3');
  });

  it('psql with sslmode=verify-full against the certificate works too', async () => {
    const result = await secured.psql(['-At', '-c', 'select 1'], { env: { PGSSLMODE: 'verify-full', PGSSLROOTCERT: certFile } });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('1');
  });

  it('node-postgres with ssl (the certificate as CA) runs a parameterised query', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: secured.pgPort, database: SHOP, user: 'alice', password: secured.stack.alice.token, ssl: { ca: readFileSync(certFile, 'utf8') } });
    client.on('error', () => {});
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>('select name from customers where id = $1', [3]);
      expect(rows).toEqual([{ name: 'Grace Hopper' }]);
      expect((client as unknown as { connection: { stream: unknown } }).connection.stream).toBeInstanceOf(tls.TLSSocket);
    } finally {
      await client.end();
    }
  });

  it('a refusal during login reaches the client inside TLS: a replication connection gets 0A000', async () => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: secured.pgPort,
      database: SHOP,
      user: 'alice',
      password: secured.stack.alice.token,
      ssl: { ca: readFileSync(certFile, 'utf8') },
      replication: 'database',
    } as pg.ClientConfig);
    client.on('error', () => {});
    await expect(client.connect()).rejects.toMatchObject({ code: '0A000', message: expect.stringMatching(/replication connections are not supported/) });
  });

  it('bytes after the SSLRequest, before the handshake, are refused (FATAL 08P01, no S)', async () => {
    const client = await RawPgClient.open(secured.pgPort);
    try {
      client.write(Buffer.concat([encodeSSLRequest(), encodeStartupMessage({ user: 'alice', database: SHOP })]));
      expect(await client.closedWithin(5_000)).toBe(true);
      expect(client.received.subarray(0, 1).toString()).not.toBe('S');
      expect(client.error()).toMatchObject({ S: 'FATAL', C: '08P01' });
    } finally {
      client.destroy();
    }
  });

  it('a second SSLRequest inside TLS: FATAL 08P01', async () => {
    const client = await RawPgClient.open(secured.pgPort);
    client.write(encodeSSLRequest());
    await client.until(() => client.received.length >= 1, 'the answer S');
    expect(client.received.subarray(0, 1).toString()).toBe('S');
    const socket = tls.connect({ socket: client.socket, ca: readFileSync(certFile, 'utf8'), servername: 'localhost' });
    let inside = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => (inside = Buffer.concat([inside, chunk])));
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
    socket.write(encodeSSLRequest());
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(inside[0]).toBe(0x45); // ErrorResponse
    expect(inside.toString('latin1')).toContain('08P01');
    client.destroy();
  });
});

describe('without them', () => {
  it('the gateway answers N to an SSLRequest', async () => {
    const client = await RawPgClient.open(plain.pgPort);
    try {
      client.write(encodeSSLRequest());
      await client.until(() => client.received.length >= 1, 'the answer');
      expect(client.received.toString()).toBe('N');
    } finally {
      client.destroy();
    }
  });

  it('psql with sslmode=require fails, saying the server does not support SSL', async () => {
    const result = await plain.psql(['-c', 'select 1'], { env: { PGSSLMODE: 'require' } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/server does not support SSL, but SSL was required/);
  });

  it('psql with sslmode=prefer falls back to plaintext and works', async () => {
    const result = await plain.psql(['-At', '-c', 'select 1'], { env: { PGSSLMODE: 'prefer' } });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('1');
  });
});
