import type { SessionEvent } from '@jitgate/db';
import type { SessionWithNames } from './session.repository.js';

/** Byte counts are BigInt in the database; JSON numbers hold them exactly up to 8 PiB. */
export function presentSession(session: SessionWithNames) {
  return {
    id: session.id,
    identityId: session.identityId,
    identity: session.identity.subject,
    grantId: session.grantId,
    connectionId: session.connectionId,
    connection: session.connection.name,
    agentId: session.agentId,
    agent: session.agent.name,
    gatewayId: session.gatewayId,
    clientAddress: session.clientAddress,
    active: session.endedAt === null,
    startedAt: session.startedAt,
    endedAt: session.endedAt,
    endReason: session.endReason,
    endedBy: session.endedBy,
    bytesUp: Number(session.bytesUp),
    bytesDown: Number(session.bytesDown),
  };
}

export function presentSessionEvent(event: SessionEvent) {
  return {
    seq: event.seq,
    at: event.at,
    kind: event.kind,
    statement: event.statement,
    parameters: event.parameters,
    commandTag: event.commandTag,
    rowCount: event.rowCount === null ? null : Number(event.rowCount),
    durationMs: event.durationMs,
    outcome: event.outcome,
    details: event.details,
    hash: event.hash,
  };
}
