// The rows of a data-plane session as the control plane records them: one when it opens, one
// when it closes, each with its audit event in the same transaction (SessionRecorder).
import type { AuditActor } from './actor.js';

export interface OpenedSession {
  id: string;
  actor: AuditActor;
  identityId: string;
  /** The gateway token it was opened with (null: an OIDC JWT), kept in its audit event. */
  tokenId: string | null;
  grantId: string;
  connectionId: string;
  connectionName: string;
  agentId: string;
  agentName: string;
  gatewayId: string;
  clientAddress: string;
  startedAt: Date;
}

export interface ClosedSession {
  id: string;
  identityId: string;
  grantId: string;
  connectionName: string;
  endedAt: Date;
  endReason: string;
  /** "local", "peer", or the identity that ended it. */
  endedBy: string;
  /** Whoever the audit names: the identity when its client hung up, else the system. */
  actor: AuditActor;
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
  /** Protocol-aware sessions: how many events were recorded, and the head of their chain. */
  events?: { count: number; head: string };
}
