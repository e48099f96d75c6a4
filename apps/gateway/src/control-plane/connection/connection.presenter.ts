import type { Connection } from '@jitgate/db';

export function presentConnection(connection: Connection) {
  return {
    id: connection.id,
    name: connection.name,
    type: connection.type,
    agentGroup: connection.agentGroup,
    labels: connection.labels,
    settings: connection.settings,
    credentialRef: connection.credentialRef,
    description: connection.description,
    archived: connection.archivedAt !== null,
    createdAt: connection.createdAt,
    updatedAt: connection.updatedAt,
  };
}
