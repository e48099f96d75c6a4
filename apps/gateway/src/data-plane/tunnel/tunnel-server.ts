// JITGATE_TUNNEL_PORT: the gRPC server agents dial. TLS from JITGATE_TUNNEL_TLS_CERT/KEY, or
// plaintext only with JITGATE_TUNNEL_INSECURE=true (the config refuses anything in between).
import { Inject, Injectable, Logger } from '@nestjs/common';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { Server, ServerCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { tunnelWireDefinition } from '@jitgate/tunnel';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import type { TunnelCall } from './agent-tunnel.js';
import { TunnelAdmission } from '../admission/tunnel-admission.service.js';
import { widenReceiveWindow } from './tunnel-flow-control.js';

/**
 * Transport keepalive under the application heartbeats: a peer whose TCP connection died
 * silently (a NAT dropped it) is found within 40 s even while no heartbeat could be written.
 * Agents may ping every 10 s or more without calls; grpc-js servers do not limit pings.
 */
const SERVER_OPTIONS: ChannelOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  // DATA payloads are at most 64 KiB; Hello is the largest message and is bounded too.
  'grpc.max_receive_message_length': 1024 * 1024,
  'grpc.max_send_message_length': 1024 * 1024,
};

@Injectable()
export class TunnelServer {
  private readonly logger = new Logger('TunnelServer');
  private server: Server | undefined;
  private listener: net.Server | undefined;
  private boundPort = 0;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(TunnelAdmission) private readonly admission: TunnelAdmission,
  ) {}

  /** The bound port (JITGATE_TUNNEL_PORT=0 picks a free one). */
  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    const server = new Server(SERVER_OPTIONS);
    server.addService(tunnelWireDefinition, {
      connect: (call: TunnelCall) => {
        if (!widenReceiveWindow(call)) this.logger.warn('could not raise the HTTP/2 receive window of a tunnel: on a slow link its heartbeats may starve');
        this.admission.handle(call);
      },
    });
    const { tls } = this.config.tunnel;
    const credentials = tls ? ServerCredentials.createSsl(null, [{ cert_chain: await readFile(tls.certFile), private_key: await readFile(tls.keyFile) }], false) : ServerCredentials.createInsecure();
    // Our own listener, its sockets handed to grpc-js: sockets that grpc-js's bindAsync accepts
    // keep Nagle on (1.14), and a small DATA frame (one keystroke, one query) could then wait
    // for the agent's ACK of the previous one. Shutdown still goes through the Server, which
    // closes the injector's HTTP/2 sessions like its own.
    const injector = server.createConnectionInjector(credentials);
    const listener = net.createServer({ noDelay: true }, (socket) => injector.injectConnection(socket));
    listener.listen(this.config.tunnel.port, this.config.http.host);
    await Promise.race([once(listener, 'listening'), once(listener, 'error').then(([error]) => Promise.reject(error as Error))]);
    this.boundPort = (listener.address() as AddressInfo).port;
    this.listener = listener;
    this.server = server;
    this.logger.log({ port: this.boundPort, tls: tls !== null }, 'tunnel server started');
  }

  /** After the tunnels were ended: waits for their calls to finish, then cuts what is left. */
  async stop(graceMs: number): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.listener?.close();
    this.listener = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
