import type { AgentWithInstances } from './agent.service.js';

/**
 * The API shape of an agent. `connected` and `instances` are what THIS gateway replica sees:
 * each replica holds only the tunnels dialled to it; `lastSeenAt` is shared (the database).
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
