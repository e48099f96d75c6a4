// JITGATE_TCP_PORT: where clients (`jitgate connect`) arrive. Plain TCP, or TLS when both
// JITGATE_TCP_TLS_* files are set. Thin: read the handshake line, hand it to the broker, answer
// a refusal. One bad client never affects another: every failure ends in that client's socket.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import { formatHandshakeRefusal } from '@jitgate/contracts';
import { boundPort, closeServer, listen } from '../../platform/net/tcp-server.js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import { AdmissionRefusal, asAdmissionRefusal } from '../admission/admission-refusal.js';
import { parseHandshake, readHandshakeLine } from './handshake.js';
import { SessionBroker } from '../admission/session-broker.service.js';
import { TunnelMetrics } from '../tunnel/tunnel.metrics.js';

/** How long a refused client may take to close its side before it is dropped. */
const LINGER_MS = 2_000;

@Injectable()
export class ClientListener {
  private readonly logger = new Logger('ClientListener');
  private server: net.Server | undefined;
  /** Sockets still in their handshake: shutdown drops them (established ones are sessions). */
  private readonly handshaking = new Set<net.Socket>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(SessionBroker) private readonly broker: SessionBroker,
    @Inject(TunnelMetrics) private readonly metrics: TunnelMetrics,
  ) {}

  /** The bound port (JITGATE_TCP_PORT=0 picks a free one). */
  get port(): number {
    return boundPort(this.server);
  }

  async start(): Promise<void> {
    const onSocket = (socket: net.Socket) => void this.handle(socket);
    // allowHalfOpen: a client's FIN is passed to the target as HalfClose, not taken as the end.
    const { tls: files } = this.config.tcp;
    const server = files ? tls.createServer({ cert: await readFile(files.certFile), key: await readFile(files.keyFile), allowHalfOpen: true }, onSocket) : net.createServer({ allowHalfOpen: true }, onSocket);
    server.on('tlsClientError', (error: Error) => this.logger.debug({ err: error.message }, 'client TLS handshake failed'));
    await listen(server, this.config.tcp.port, this.config.http.host);
    this.server = server;
    this.logger.log({ port: this.port, tls: files !== null }, 'client listener started');
  }

  /**
   * Stops taking clients and drops those still in their handshake. The promise settles when
   * every socket is gone (sessions are ended by the caller), or after `graceMs` at most.
   */
  stop(graceMs: number): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.server = undefined;
    return closeServer(server, this.handshaking, graceMs);
  }

  private async handle(socket: net.Socket): Promise<void> {
    this.handshaking.add(socket);
    // Interactive protocols (psql, ssh) need their small writes sent at once.
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    // Until a pipe owns it, a socket error only means the client is gone; 'close' follows.
    socket.on('error', () => {});
    const clientAddress = `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? 0}`;
    try {
      const request = parseHandshake(await readHandshakeLine(socket));
      const sessionId = await this.broker.connect(socket, request, clientAddress);
      this.metrics.sessionAttempts.inc({ result: sessionId ? 'ok' : 'client_left' });
    } catch (error) {
      let refusal = asAdmissionRefusal(error);
      if (!refusal) {
        this.logger.error({ clientAddress, err: error }, 'opening a session failed');
        refusal = new AdmissionRefusal(500, 'internal', 'the gateway failed to open the session');
      }
      this.metrics.sessionAttempts.inc({ result: refusal.code });
      this.refuse(socket, refusal);
    } finally {
      this.handshaking.delete(socket);
    }
  }

  /**
   * Answers and closes. What the client still sends is read and dropped, so that the kernel does
   * not answer it with a reset that could destroy the answer before the client reads it.
   */
  private refuse(socket: net.Socket, refusal: AdmissionRefusal): void {
    if (socket.destroyed) return;
    socket.resume();
    socket.end(formatHandshakeRefusal(refusal));
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  }
}
