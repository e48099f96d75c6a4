// Which agent instances are connected, to which replica, carrying what: written by the data
// plane (each replica for its own tunnels), read by the control plane for GET /v1/agents. The
// API can then run on a replica that holds no tunnel at all.
export interface AgentInstanceView {
  /** The replica the tunnel is dialled to. */
  gatewayId: string;
  tunnelId: string;
  instanceId: string;
  version: string;
  labels: Record<string, string>;
  connectedAt: Date;
  connections: string[];
  sessions: number;
}

export abstract class AgentInstances {
  /** This replica's tunnel is up (or its counts changed). */
  abstract put(agentId: string, view: AgentInstanceView): Promise<void>;
  /** This replica's tunnel ended. */
  abstract remove(agentId: string, gatewayId: string, tunnelId: string): Promise<void>;
  /**
   * Forgets what an earlier life of this replica (the same gateway id) reported, at its start;
   * the tunnels `keep` names (this life's, reported meanwhile) stay.
   */
  abstract forgetGateway(gatewayId: string, keep: (tunnelId: string) => boolean): Promise<void>;
  /** The instances of every replica, those of a replica that stopped reporting left out. */
  abstract list(agentId: string): Promise<AgentInstanceView[]>;
}
