// Starts and stops the data plane with the application, in order. Nest runs the onModuleDestroy
// hooks of one module concurrently, so the order lives here: stop taking clients, end the
// sessions and wait for their rows, end the tunnels, then stop the gRPC server. (PrismaService
// disconnects at onApplicationShutdown, after all of this.)
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { CloseReason } from '@jitgate/proto';
import { GATEWAY_CONFIG } from '../platform/config/config.tokens.js';
import type { GatewayConfig } from '../platform/config/config.schema.js';
import { AgentRegistry } from './tunnel/agent-registry.js';
import { ClientListener } from './tcp/client-listener.js';
import { HttpProxyListener } from './http/http-proxy.listener.js';
import { PgListener } from './postgres/pg-listener.js';
import { LiveSessions } from './live/live-sessions.js';
import { SessionReconciler } from './live/session-reconciler.js';
import { AccessEndsSubscriber } from './live/access-ends.subscriber.js';
import { TunnelServer } from './tunnel/tunnel-server.js';
import { SessionEventWriter } from './recording/session-event-writer.js';

@Injectable()
export class DataPlaneLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(TunnelServer) private readonly tunnelServer: TunnelServer,
    @Inject(ClientListener) private readonly clients: ClientListener,
    @Inject(PgListener) private readonly pgClients: PgListener,
    @Inject(HttpProxyListener) private readonly httpClients: HttpProxyListener,
    @Inject(AccessEndsSubscriber) private readonly events: AccessEndsSubscriber,
    @Inject(AgentRegistry) private readonly registry: AgentRegistry,
    @Inject(LiveSessions) private readonly live: LiveSessions,
    @Inject(SessionReconciler) private readonly reconciler: SessionReconciler,
    @Inject(SessionEventWriter) private readonly recordings: SessionEventWriter,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Events first: no session may open before this replica can hear that its grant ended.
    await this.events.start();
    // And the bound when a message is lost (or Redis was never reached).
    this.reconciler.start();
    await this.tunnelServer.start();
    await this.clients.start();
    await this.pgClients.start();
    await this.httpClients.start();
  }

  async onModuleDestroy(): Promise<void> {
    const graceMs = Math.min(2_000, this.config.http.shutdownTimeoutSeconds * 1000);
    this.reconciler.stop();
    const clientsGone = Promise.all([this.clients.stop(graceMs), this.pgClients.stop(graceMs), this.httpClients.stop(graceMs)]);
    this.live.closeAll(CloseReason.SHUTDOWN, 'the gateway is shutting down', { reason: 'shutdown' });
    // The closing writes retry while the database is away; shutdown waits for them only so long.
    if (!(await this.live.settled(graceMs))) {
      this.recordings.stopRetrying();
      this.live.storing.abort();
      await this.live.settled();
    }
    for (const tunnel of this.registry.all()) tunnel.end(status.UNAVAILABLE, 'the gateway is shutting down', { reason: 'shutdown' });
    await Promise.all([clientsGone, this.tunnelServer.stop(graceMs)]);
    this.events.stop();
  }
}
