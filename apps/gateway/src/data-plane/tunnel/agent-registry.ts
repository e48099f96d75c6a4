// The live tunnels of THIS replica. Each replica knows only the agents connected to it; a
// client's session is carried by a tunnel of the replica the client reached (docs/tunnel.md).
import { Inject, Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import type { AgentTunnel } from './agent-tunnel.js';
import { TunnelMetrics } from './tunnel.metrics.js';

/** One connected instance of an agent, as GET /v1/agents shows it. */
export interface AgentInstanceView {
  tunnelId: string;
  instanceId: string;
  version: string;
  labels: Record<string, string>;
  connectedAt: Date;
  connections: string[];
  sessions: number;
}

@Injectable()
export class AgentRegistry {
  private readonly tunnels = new Map<string, AgentTunnel>();
  /** Round-robin position per connection name. */
  private readonly cursors = new Map<string, number>();
  /**
   * Agents revoked while this process runs. A tunnel admitted between the database check and
   * the revocation message would otherwise outlive the revocation; revocation is final.
   */
  private readonly revoked = new Set<string>();

  constructor(@Inject(TunnelMetrics) private readonly metrics: TunnelMetrics) {}

  /** Returns false (and adds nothing) when the agent has been revoked meanwhile. */
  add(tunnel: AgentTunnel): boolean {
    const agentId = tunnel.peer?.agentId;
    if (!agentId || this.revoked.has(agentId)) return false;
    this.tunnels.set(tunnel.id, tunnel);
    this.metrics.tunnels.set(this.tunnels.size);
    return true;
  }

  remove(tunnel: AgentTunnel): void {
    if (this.tunnels.delete(tunnel.id)) this.metrics.tunnels.set(this.tunnels.size);
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

  instances(agentId: string): AgentInstanceView[] {
    return this.all()
      .filter((t) => t.peer?.agentId === agentId)
      .map((t) => ({
        tunnelId: t.id,
        instanceId: t.peer?.instanceId ?? '',
        version: t.peer?.version ?? '',
        labels: t.peer?.labels ?? {},
        connectedAt: t.connectedAt,
        connections: t.assignments.map((a) => a.name),
        sessions: t.sessionCount,
      }));
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
