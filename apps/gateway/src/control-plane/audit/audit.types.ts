import type { AuditActor } from '../../port/actor.js';

export { SYSTEM_ACTOR, type ActorKind, type AuditActor } from '../../port/actor.js';

/** Every action the audit log records. Adding one here is the only way to record it. */
export const AUDIT_ACTIONS = [
  'identity.created',
  'identity.updated',
  'identity.bootstrap',
  'token.issued',
  'token.revoked',
  'connection.created',
  'connection.updated',
  'connection.archived',
  'policy.created',
  'policy.updated',
  'policy.deleted',
  'policy.loaded_from_file',
  'access_request.created',
  'access_request.denied',
  'access_request.approval_recorded',
  'access_request.approved',
  'access_request.cancelled',
  'access_request.expired',
  'grant.created',
  'grant.revoked',
  'grant.released',
  'grant.expired',
  'agent.registered',
  'agent.revoked',
  'session.opened',
  'session.closed',
  'statement.held',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Every kind of thing an audit event is about (GET /v1/audit?targetType=). */
export const AUDIT_TARGET_TYPES = ['identity', 'token', 'connection', 'policy', 'access_request', 'grant', 'agent', 'session'] as const;

export interface AuditEntry {
  actor: AuditActor;
  action: AuditAction;
  targetType: (typeof AUDIT_TARGET_TYPES)[number];
  targetId: string | null;
  details?: Record<string, unknown>;
}
