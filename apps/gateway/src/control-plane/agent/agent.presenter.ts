import type { AgentWithInstances } from './agent.service.js';

/**
 * The API shape of an agent. `connected` and `instances` count its tunnels to every replica
 * (each names its `gatewayId`), as the replicas last reported them (within 30 s).
 */
export function presentAgent({ agent, instances }: AgentWithInstances) {
  return {
    id: agent.id,
    name: agent.name,
    agentGroup: agent.agentGroup,
    prefix: agent.prefix,
    labels: agent.labels,
    version: agent.version,
    revoked: agent.revokedAt !== null,
    revokedAt: agent.revokedAt,
    lastSeenAt: agent.lastSeenAt,
    connected: instances.length,
    instances,
    createdById: agent.createdById,
    createdAt: agent.createdAt,
  };
}
