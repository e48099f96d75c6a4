// JITGATE_PG_PORT: where Postgres clients (psql, pgbench, drivers, ORMs) arrive. Thin: accept,
// hand each socket to PgSessions, and stop cleanly. One bad client only ever ends its own socket.
import { Inject, Injectable, Logger } from '@nestjs/common';
import net from 'node:net';
import { boundPort, closeServer, listen } from '../../platform/net/tcp-server.js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import { PgSessions } from './pg-sessions.service.js';

@Injectable()
export class PgListener {
  private readonly logger = new Logger('PgListener');
  private server: net.Server | undefined;
  private readonly loggingIn = new Set<net.Socket>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(PgSessions) private readonly sessions: PgSessions,
  ) {}

  get port(): number {
    return boundPort(this.server);
  }

  async start(): Promise<void> {
    await this.sessions.prepare();
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      this.loggingIn.add(socket);
      socket.setKeepAlive(true, 30_000);
      socket.on('error', () => {});
      void this.sessions.serve(socket).finally(() => this.loggingIn.delete(socket));
    });
    await listen(server, this.config.postgres.port, this.config.http.host);
    this.server = server;
    this.logger.log({ port: this.port, tls: this.config.postgres.tls !== null }, 'postgres listener started');
  }

  /** Stops taking clients and drops those still logging in; sessions are ended by the caller. */
  stop(graceMs: number): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.server = undefined;
    return closeServer(server, this.loggingIn, graceMs);
  }
}
