// The live tunnels of THIS replica. Each replica knows only the agents connected to it; a
// client's session is carried by a tunnel of the replica the client reached (docs/tunnel.md).
// It reports them to AgentInstances (shared), which the control plane lists in GET /v1/agents.
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { GATEWAY_CONFIG } from '../../platform/config/config.tokens.js';
import type { GatewayConfig } from '../../platform/config/config.schema.js';
import { AgentInstances, type AgentInstanceView } from '../../port/agent-instances.js';
import { AGENT_INSTANCE_TTL_MS } from '../../port/agent-instances.redis.js';
import type { AgentTunnel } from './agent-tunnel.js';
import { TunnelMetrics } from './tunnel.metrics.js';

/** Well within AGENT_INSTANCE_TTL_MS, so that a live tunnel never lapses between two reports. */
const REPORT_INTERVAL_MS = AGENT_INSTANCE_TTL_MS / 3;

@Injectable()
export class AgentRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly tunnels = new Map<string, AgentTunnel>();
  /** Round-robin position per connection name. */
  private readonly cursors = new Map<string, number>();
  /**
   * Agents revoked while this process runs. A tunnel admitted between the database check and
   * the revocation message would otherwise outlive the revocation; revocation is final.
   */
  private readonly revoked = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(TunnelMetrics) private readonly metrics: TunnelMetrics,
    @Inject(AgentInstances) private readonly instances: AgentInstances,
  ) {}

  onModuleInit(): void {
    // A replica restarted under the same id (JITGATE_GATEWAY_ID) carries none of its old
    // tunnels. Not awaited: start-up does not wait on Redis; tunnels of this life are kept.
    void this.instances.forgetGateway(this.config.tunnel.gatewayId, (tunnelId) => this.tunnels.has(tunnelId));
    this.timer = setInterval(() => void this.report(), REPORT_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Refreshes every tunnel's view (its sessions change; a lapsed field comes back). */
  private async report(): Promise<void> {
    await Promise.all(this.all().map((tunnel) => this.put(tunnel)));
  }

  private put(tunnel: AgentTunnel): Promise<void> {
    const agentId = tunnel.peer?.agentId;
    return agentId ? this.instances.put(agentId, this.view(tunnel)) : Promise.resolve();
  }

  /** Returns false (and adds nothing) when the agent has been revoked meanwhile. */
  add(tunnel: AgentTunnel): boolean {
    const agentId = tunnel.peer?.agentId;
    if (!agentId || this.revoked.has(agentId)) return false;
    this.tunnels.set(tunnel.id, tunnel);
    this.metrics.tunnels.set(this.tunnels.size);
    void this.put(tunnel);
    return true;
  }

  remove(tunnel: AgentTunnel): void {
    if (!this.tunnels.delete(tunnel.id)) return;
    this.metrics.tunnels.set(this.tunnels.size);
    const agentId = tunnel.peer?.agentId;
    if (agentId) void this.instances.remove(agentId, this.config.tunnel.gatewayId, tunnel.id);
  }

  /** A ready tunnel of the group that serves the connection, taking turns between them. */
  pick(connectionName: string, agentGroup: string): AgentTunnel | undefined {
    const candidates = [...this.tunnels.values()].filter((t) => t.peer?.agentGroup === agentGroup && t.serves(connectionName));
    if (candidates.length === 0) return undefined;
    const turn = this.cursors.get(connectionName) ?? 0;
    this.cursors.set(connectionName, (turn + 1) % candidates.length);
    return candidates[turn % candidates.length];
  }

  all(): AgentTunnel[] {
    return [...this.tunnels.values()];
  }

  /** Tunnels that may hold sessions of a grant on this connection. */
  serving(connectionId: string): AgentTunnel[] {
    return this.all().filter((t) => t.servesConnectionId(connectionId));
  }

  private view(t: AgentTunnel): AgentInstanceView {
    return {
      gatewayId: this.config.tunnel.gatewayId,
      tunnelId: t.id,
      instanceId: t.peer?.instanceId ?? '',
      version: t.peer?.version ?? '',
      labels: t.peer?.labels ?? {},
      connectedAt: t.connectedAt,
      connections: t.assignments.map((a) => a.name),
      sessions: t.sessionCount,
    };
  }

  isRevoked(agentId: string): boolean {
    return this.revoked.has(agentId);
  }

  /** The agent was revoked: its tunnels end UNAUTHENTICATED and their sessions with them. */
  closeAgent(agentId: string, revokedBy: string | undefined): number {
    this.revoked.add(agentId);
    const tunnels = this.all().filter((t) => t.peer?.agentId === agentId);
    for (const tunnel of tunnels) {
      tunnel.end(status.UNAUTHENTICATED, 'the agent has been revoked', { reason: 'agent_revoked', ...(revokedBy ? { endedBy: revokedBy } : {}) });
    }
    return tunnels.length;
  }
}
