import type { GrantWithNames } from './grant.repository.js';

export function presentGrant(grant: GrantWithNames, now: Date) {
  return {
    id: grant.id,
    requestId: grant.requestId,
    identityId: grant.identityId,
    identity: grant.identity.subject,
    connectionId: grant.connectionId,
    connection: grant.connection.name,
    connectionType: grant.connection.type,
    scope: grant.scope,
    status: grant.status,
    inForce: grant.status === 'active' && grant.startsAt <= now && grant.expiresAt > now,
    startsAt: grant.startsAt,
    expiresAt: grant.expiresAt,
    endedAt: grant.endedAt,
    endedById: grant.endedById,
    endReason: grant.endReason,
    createdAt: grant.createdAt,
  };
}
