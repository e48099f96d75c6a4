// Starts the real gateway (Nest app, real Postgres, real Redis) on a random loopback port for
// one suite, and gives the suite a small HTTP client (@jitgate/testkit's ApiClient).
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ApiClient, createMigratedDatabase, deleteRedisKeys, REDIS_URL } from '@jitgate/testkit';
import { createGatewayApp } from '../../src/app.factory.js';
import type { AppOverrides } from '../../src/app.module.js';
import { parseConfig, type GatewayConfig } from '../../src/platform/config/config.schema.js';
import { BootstrapTokenSink } from '../../src/control-plane/identity/bootstrap.service.js';
import { HttpProxyListener } from '../../src/data-plane/http/http-proxy.listener.js';
import { PgListener } from '../../src/data-plane/postgres/pg-listener.js';
import { ClientListener } from '../../src/data-plane/tcp/client-listener.js';
import { TunnelServer } from '../../src/data-plane/tunnel/tunnel-server.js';

export class CapturingTokenSink extends BootstrapTokenSink {
  token: string | undefined;
  announce(token: string): void {
    this.token = token;
  }
}

export interface TestGateway {
  app: NestExpressApplication;
  config: GatewayConfig;
  databaseUrl: string;
  baseUrl: string;
  adminToken: string;
  /** The bound ports of the agents' gRPC server and the clients' TCP listener (both 0 by default: free ports). */
  tunnelPort: number;
  tcpPort: number;
  /** The Postgres and HTTP fronts' bound ports. */
  pgPort: number;
  httpPort: number;
  /** Unauthenticated client; `.as(token)` for others. */
  api: ApiClient;
  admin: ApiClient;
  /** Stops the app (keeps the database, for restart tests). */
  stop(): Promise<void>;
  /** Stops the app, drops the database and the suite's Redis keys. */
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  overrides?: AppOverrides;
  /** Reuse a database (restart tests); default a fresh one. */
  databaseUrl?: string;
  redisPrefix?: string;
  /** Another Redis than the machine's (a suite's own, to stop or freeze it). */
  redisUrl?: string;
}

export async function startGateway(options: StartOptions = {}): Promise<TestGateway> {
  const database = options.databaseUrl ? { url: options.databaseUrl, drop: async () => {} } : await createMigratedDatabase('jitgate_test');
  const redisPrefix = options.redisPrefix ?? `jgtest-${randomBytes(4).toString('hex')}`;
  const config = parseConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: database.url,
    REDIS_URL: options.redisUrl ?? REDIS_URL,
    JITGATE_REDIS_PREFIX: redisPrefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_POOL_SIZE: '5',
    // The data plane on free ports, plaintext unless a suite brings its own certificate.
    JITGATE_TUNNEL_PORT: '0',
    JITGATE_TCP_PORT: '0',
    JITGATE_PG_PORT: '0',
    JITGATE_HTTP_PORT: '0',
    ...(options.env?.JITGATE_TUNNEL_TLS_CERT ? {} : { JITGATE_TUNNEL_INSECURE: 'true' }),
    ...options.env,
  });
  const sink = new CapturingTokenSink();
  const app = await createGatewayApp(config, { bootstrapTokenSink: sink, ...options.overrides });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const adminToken = sink.token ?? options.env?.JITGATE_BOOTSTRAP_TOKEN ?? '';
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
  };
  return {
    app,
    config,
    databaseUrl: database.url,
    baseUrl,
    adminToken,
    tunnelPort: app.get(TunnelServer).port,
    tcpPort: app.get(ClientListener).port,
    pgPort: app.get(PgListener).port,
    httpPort: app.get(HttpProxyListener).port,
    api: new ApiClient(baseUrl),
    admin: new ApiClient(baseUrl, adminToken),
    stop,
    async close() {
      await stop();
      await database.drop();
      if (!options.redisUrl) await deleteRedisKeys(redisPrefix);
    },
  };
}
