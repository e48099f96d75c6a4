// JITGATE_HTTP_PORT: where HTTP, BigQuery, Cloud Storage, Cloud Run and MCP callers arrive
// (docs/http.md). Thin: Node's HTTP server (TLS when configured) hands each request to
// HttpProxyService; sessions end through the live-session registry, not here.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { boundPort, listen } from '../../platform/net/tcp-server.js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import { HttpProxyService } from './http-proxy.service.js';

/** Headers must arrive within this; bodies may stream for as long as the session lasts. */
const HEADERS_TIMEOUT_MS = 30_000;

@Injectable()
export class HttpProxyListener {
  private readonly logger = new Logger('HttpProxyListener');
  private server: http.Server | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(HttpProxyService) private readonly proxy: HttpProxyService,
  ) {}

  get port(): number {
    return boundPort(this.server);
  }

  async start(): Promise<void> {
    const settings = this.config.httpProxy;
    const options: http.ServerOptions = { keepAliveTimeout: settings.idleTimeoutMs, requestTimeout: 0, headersTimeout: HEADERS_TIMEOUT_MS, noDelay: true };
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.proxy.handle(req, res);
    const server = settings.tls ? https.createServer({ ...options, cert: await readFile(settings.tls.certFile), key: await readFile(settings.tls.keyFile) }, handler) : http.createServer(options, handler);
    server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      socket.destroy();
    });
    await listen(server, settings.port, this.config.http.host);
    this.server = server;
    this.logger.log({ port: this.port, tls: settings.tls !== null }, 'HTTP proxy listener started');
  }

  /** Stops taking callers; open sessions are ended by the caller of stop. */
  stop(graceMs: number): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.server = undefined;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.closeAllConnections();
        resolve();
      }, graceMs);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
    });
  }
}
